"""Erasure, retention and deletion: an author is erased by identity (author key, or the
phone number hashed like the webhooks do), never by a name or a word in someone else's
text; what is forgotten is gone from every key of the event and from the append-only file."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.support.clients import FeedClient, decide
from tests.support.seeded import seed_event
from tests.support.servers import ROOT, ServerProcess
from tests.support.sms import TWILIO_TOKEN, send_twilio, twilio_form
from tests.support.sources import eventually
from tests.support.timing import timeout
from tests.test_export import run_cli
from wall.models import Item, new_item_id, utc_now_iso
from wall.redis_client import connect
from wall.redis_server import EmbeddedRedis
from wall.reporting.dataset import approved_items
from wall.store import keys
from wall.store.decisions import decide as decide_in_store
from wall.store.erasure import apply_retention, erase_author
from wall.store.inbox import insert_item

ZOE_KEY = "sms:5f1e0a9c2b7d4e6f8a10"


async def dump(redis: Redis, slug: str) -> list[tuple[str, str]]:
    """Every (key, value) of the event as text: hash fields, members, stream entries..."""
    out: list[tuple[str, str]] = []
    async for key in redis.scan_iter(match=f"ev:{{{slug}}}:*"):
        kind = await redis.type(key)
        if kind == "string":
            out.append((key, await redis.get(key)))
        elif kind == "hash":
            out += [(key, f"{f}={v}") for f, v in (await redis.hgetall(key)).items()]
        elif kind == "set":
            out += [(key, m) for m in await redis.smembers(key)]
        elif kind == "zset":
            out += [(key, m) for m in await redis.zrange(key, 0, -1)]
        elif kind == "list":
            out += [(key, v) for v in await redis.lrange(key, 0, -1)]
        elif kind == "stream":
            out += [(key, repr(f)) for _, f in await redis.xrange(key)]
        out.append((key, key))
    return out


def clameur(redis_url: str, *args: str,
            secret: str = "test-secret") -> subprocess.CompletedProcess[str]:
    """The real command line against `redis_url`, holding the servers' key."""
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT),
           "CLAMEUR_SECRET": secret}
    return subprocess.run([sys.executable, "-m", "wall", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout(60))


async def approve_item(redis: Redis, slug: str, author: str, key: str, text: str,
                       source: str = "mastodon") -> str:
    """An item from a source, stored and approved by the store's own functions."""
    item = Item(id=new_item_id(), event=slug, source=source, source_id=new_item_id(),
                author=author, text=text, received_at=utc_now_iso(), author_key=key)
    await insert_item(redis, item)
    assert (await decide_in_store(redis, slug, item.id, "approve", by="alice")).status == "ok"
    return item.id


async def test_erasing_an_author_leaves_no_key_mentioning_them(redis: Redis) -> None:
    """By author key: items, inbox, seen, state, audit, flags, nicknames, SMS parts — all
    gone; every other author's approved item still approved."""
    seeded = await seed_event(redis)
    slug = seeded.slug
    zoe = {i: it for i, it in {**seeded.approved, **seeded.hidden}.items()
           if it.author_key == ZOE_KEY}
    assert len(zoe) == 2
    await redis.hset(keys.sms_names(slug), ZOE_KEY, "Zoé")  # kept by the SMS part
    await redis.hset(keys.sms_parts(slug, ZOE_KEY, "7"), "1", '{"text": "partie"}')
    await redis.hset(keys.authors(slug), f"{ZOE_KEY}|trusted", "1")

    done = await erase_author(redis, slug, ZOE_KEY)
    assert done.item_ids == set(zoe) and done.author_keys == {ZOE_KEY}
    assert done.retracted == 1

    markers = {ZOE_KEY, ZOE_KEY.split(":")[1]}
    for item in zoe.values():
        markers |= {item.text, f"{item.source}:{item.source_id}", item.url or ""}
    for key, value in await dump(redis, slug):
        for marker in markers:
            assert marker not in value, f"{marker!r} still in {key}"
        for item_id in zoe:
            if item_id in value:
                assert key == keys.feed(slug) and "'type': 'retract'" in value, (key, value)
    others = {i.id for i in await approved_items(redis, slug)}
    assert others == set(seeded.approved) - set(zoe)


async def test_erasure_spares_another_authors_reply_that_mentions_them(
        redis_url: str, server: ServerProcess, redis: Redis) -> None:
    """Erasing mastodon:jules@piaille.fr takes down Jules's post only: Marie's approved
    reply "@jules@piaille.fr ..." stays stored, approved and on the wall (live and in a new
    wall's snapshot)."""
    ev = await make_event(redis)
    jules = await approve_item(redis, ev.slug, "Jules", "mastodon:jules@piaille.fr",
                               "Le budget participatif doit doubler")
    marie = await approve_item(redis, ev.slug, "Marie", "mastodon:marie@piaille.fr",
                               "@jules@piaille.fr d'accord, et le vélo ?")
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{ev.slug}")
    assert {i["id"] for i in (await wall.next("snapshot"))["items"]} == {jules, marie}

    done = await asyncio.to_thread(clameur, redis_url, "erase", ev.slug, "--author",
                                   "mastodon:jules@piaille.fr", "--yes")
    assert done.returncode == 0, done.stderr
    assert "erased 1 item(s)" in done.stdout
    assert (await wall.next("retract"))["id"] == jules
    await wall.close()

    assert await redis.hget(keys.state(ev.slug), marie) == "approved"
    assert await redis.zscore(keys.onwall(ev.slug), marie) is not None
    body = await redis.hget(keys.items(ev.slug), marie)
    assert body is not None and "@jules@piaille.fr" in body
    assert await redis.hget(keys.items(ev.slug), jules) is None
    fresh = await FeedClient.connect(f"{server.ws_url}/ws/wall/{ev.slug}")
    snap = await fresh.next("snapshot")
    assert [i["id"] for i in snap["items"]] == [marie]
    assert snap["items"][0]["text"] == "@jules@piaille.fr d'accord, et le vélo ?"
    await fresh.close()


async def test_a_name_shared_by_two_phones_lists_their_keys_and_erases_nothing(
        redis_url: str, redis: Redis) -> None:
    """`--author "SMS ···42"` names two phones: the command lists both keys, erases
    nothing and exits 1; erasing one key leaves the other phone's item."""
    ev = await make_event(redis)
    first = await approve_item(redis, ev.slug, "SMS ···42", "sms:aaaaaaaaaaaaaaaaaa42",
                               "premier", source="sms")
    second = await approve_item(redis, ev.slug, "SMS ···42", "sms:bbbbbbbbbbbbbbbbbb42",
                                "second", source="sms")
    listed = await asyncio.to_thread(clameur, redis_url, "erase", ev.slug, "--author",
                                     "SMS ···42", "--yes")
    assert listed.returncode == 1, listed.stderr
    assert "sms:aaaaaaaaaaaaaaaaaa42  (1 item(s))" in listed.stdout
    assert "sms:bbbbbbbbbbbbbbbbbb42  (1 item(s))" in listed.stdout
    assert await redis.zcard(keys.onwall(ev.slug)) == 2

    await erase_author(redis, ev.slug, "sms:aaaaaaaaaaaaaaaaaa42")
    assert await redis.zrange(keys.onwall(ev.slug), 0, -1) == [second]
    assert await redis.hget(keys.items(ev.slug), first) is None


async def test_erase_by_phone_number_hashes_it_like_the_sms_webhook(
        redis_url: str, redis: Redis) -> None:
    """SMS from two phones ending in 42 through the signed Twilio webhook; `--phone` with
    one number (written with spaces) erases that phone's message and nickname only."""
    ev = await make_event(redis)
    server = ServerProcess(redis_url=redis_url, env={"TWILIO_AUTH_TOKEN": TWILIO_TOKEN}).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            for phone, body in (("+33612345642", "NOM Camille"),
                                ("+33612345642", "Plus de bancs place du marché"),
                                ("+33698765442", "Et des arbres")):
                res = await send_twilio(http, ev.slug, twilio_form(body, phone=phone))
                assert res.status_code == 200, res.text
            queue = (await http.get(f"/api/events/{ev.slug}/queue", headers=ev.auth)).json()
            by_text = {i["text"]: i for i in queue["items"]}
            for item in by_text.values():
                assert (await decide(http, ev.slug, item["id"], "approve", ev.token)
                        ).status_code == 200
    finally:
        server.stop()
    camille = by_text["Plus de bancs place du marché"]
    assert camille["author"] == "Camille"
    assert len(await redis.hgetall(keys.sms_names(ev.slug))) == 1

    done = await asyncio.to_thread(clameur, redis_url, "erase", ev.slug, "--phone",
                                   "+33 6 12 34 56 42", "--yes")
    assert done.returncode == 0, done.stderr
    assert "erased 1 item(s) (1 taken off the wall)" in done.stdout
    assert await redis.hget(keys.items(ev.slug), camille["id"]) is None
    assert await redis.hgetall(keys.sms_names(ev.slug)) == {}
    left = await redis.zrange(keys.onwall(ev.slug), 0, -1)
    assert left == [by_text["Et des arbres"]["id"]]

    national = await asyncio.to_thread(clameur, redis_url, "erase", ev.slug, "--phone",
                                       "06 98 76 54 42", "--yes")
    assert national.returncode == 2 and "international format" in national.stderr


def _on_disk(data_dir: Path) -> bytes:
    """Every byte Redis keeps in its data directory (AOF files, Redis 6 or 7 layout)."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.rglob("*"))
                    if p.is_file() and p.name != "redis.log")


async def test_nothing_erased_remains_in_the_append_only_file(tmp_path: Path) -> None:
    """After `clameur erase`, the embedded Redis's AOF files hold neither the erased text
    nor the author key; another author's text is still there."""
    data = tmp_path / "redis"
    # Strings stored uncompressed in the AOF's RDB preamble, so that a search finds them.
    store = EmbeddedRedis(data, extra_args=("--rdbcompression", "no")).start()
    redis = connect(store.url)
    try:
        ev = await make_event(redis)
        await approve_item(redis, ev.slug, "Jules", "mastodon:jules@piaille.fr",
                           "texte-a-effacer-7f3a")
        await approve_item(redis, ev.slug, "Marie", "mastodon:marie@piaille.fr",
                           "texte-garde-91c2 @jules@piaille.fr")
        await redis.execute_command("BGREWRITEAOF")  # the text also in the base file

        async def written() -> bool:
            disk = _on_disk(data)
            return b"texte-a-effacer-7f3a" in disk and b"mastodon:jules@" in disk

        await eventually(written)
        done = await asyncio.to_thread(clameur, store.url, "erase", ev.slug, "--author",
                                       "mastodon:jules@piaille.fr", "--yes")
        assert done.returncode == 0, done.stderr
        assert "append-only file rewritten" in done.stdout

        async def forgotten() -> bool:
            disk = _on_disk(data)
            return b"texte-a-effacer-7f3a" not in disk and b"mastodon:jules@" not in disk

        await eventually(forgotten)
        assert b"texte-garde-91c2" in _on_disk(data)
    finally:
        await redis.aclose()
        store.stop()


async def test_retention_trims_old_inbox_entries_and_rejected_texts(redis: Redis) -> None:
    """Entries older than the retention go; younger ones and approved items stay."""
    seeded = await seed_event(redis)
    slug = seeded.slug
    inbox_len = await redis.xlen(keys.inbox(slug))
    assert inbox_len == len(seeded.approved) + len(seeded.hidden)

    kept = await apply_retention(redis, slug, days=30)
    assert (kept.inbox_trimmed, kept.rejected_forgotten) == (0, 0)
    assert await redis.xlen(keys.inbox(slug)) == inbox_len

    later = datetime.now(UTC) + timedelta(days=31)
    done = await apply_retention(redis, slug, days=30, now=later)
    assert done.inbox_trimmed == inbox_len and await redis.xlen(keys.inbox(slug)) == 0
    rejected = [i for i, it in seeded.hidden.items() if it.author == "Troll"]
    assert done.rejected_forgotten == 1
    assert await redis.hget(keys.items(slug), rejected[0]) is None
    assert await redis.hget(keys.state(slug), rejected[0]) == "rejected"
    assert {i.id for i in await approved_items(redis, slug)} == set(seeded.approved)


async def test_erasing_by_author_key_takes_the_item_off_a_live_wall(
        redis_url: str, server: ServerProcess, redis: Redis) -> None:
    """`clameur erase --author KEY --yes`: a connected wall gets a retract; a new one never
    sees the item."""
    seeded = await seed_event(redis)
    zoe_on_wall = next(i for i, it in seeded.approved.items() if it.author_key == ZOE_KEY)
    wall = await FeedClient.connect(f"{server.ws_url}/ws/wall/{seeded.slug}")
    snap = await wall.next("snapshot")
    assert zoe_on_wall in [i["id"] for i in snap["items"]]
    out = await asyncio.to_thread(run_cli, redis_url, "erase", seeded.slug, "--author",
                                  ZOE_KEY, "--yes")
    assert "erased 2 item(s)" in out
    frame = await wall.next("retract")
    assert frame["id"] == zoe_on_wall
    await wall.close()
    fresh = await FeedClient.connect(f"{server.ws_url}/ws/wall/{seeded.slug}")
    snap = await fresh.next("snapshot")
    assert zoe_on_wall not in [i["id"] for i in snap["items"]]
    assert len(snap["items"]) == len(seeded.approved) - 1
    await fresh.close()


async def test_event_delete_removes_every_key_including_dynamic_ones(
        redis_url: str, redis: Redis, tmp_path: Path) -> None:
    """`clameur event delete --yes` leaves no `ev:{slug}:*` key and no index entry."""
    seeded = await seed_event(redis)
    await redis.hset(keys.sms_parts(seeded.slug, ZOE_KEY, "9"), "1", "x")
    await redis.set(keys.source_cursor(seeded.slug, "mastodon"), "123")
    assert len(await dump(redis, seeded.slug)) > 20
    await asyncio.to_thread(run_cli, redis_url, "event", "delete", seeded.slug, "--yes")
    assert await dump(redis, seeded.slug) == []
    assert not await redis.sismember(keys.EVENTS_INDEX, seeded.slug)
