"""The moderation charter and what became of my posts: the charter on the phone page before
the first post (editable by an admin), each author's own posts with the charter rule they
broke (never the matched word), and withdrawing one's own post — refused to any other
device."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Dialog, expect
from redis.asyncio import Redis

from tests.conftest import EventFixture, make_event
from tests.support.browser import (  # noqa: F401
    browser_fixture,
    contrast_problems,
    open_page,
    screenshot,
)
from tests.support.clients import decide, post
from tests.support.inprocess import InProcessApp
from tests.support.servers import ROOT, ServerProcess
from tests.support.timing import timeout
from tests.test_captions import axe_violations
from wall.store import keys
from wall.store.authors import author_record
from wall.store.events import get_event

MS = int(timeout(10) * 1000)


async def mine(phone: httpx.AsyncClient, slug: str, *ids: str, lang: str = "fr"
               ) -> list[dict[str, str]]:
    res = await phone.get(f"/api/events/{slug}/my-posts",
                          params={"ids": ",".join(ids), "lang": lang})
    assert res.status_code == 200, res.text
    items: list[dict[str, str]] = res.json()["items"]
    return items


async def test_an_author_reads_what_became_of_each_post_and_nobody_else_does(
        inprocess_app: InProcessApp, redis: Redis) -> None:
    """Waiting, shown, not shown with the charter rule (a word of the list → insults, a
    moderator's reason → that rule), never the word; another device, or none, reads
    nothing of them."""
    ev = await make_event(redis)
    async with inprocess_app.client() as phone, inprocess_app.client() as desk, \
            inprocess_app.client() as other:
        await phone.get(f"/e/{ev.slug}")  # the page sets the device cookie
        await other.get(f"/e/{ev.slug}")
        ids = {}
        for name, text in (("wait", "Et les pistes cyclables ?"),
                           ("shown", "Merci pour ce débat"),
                           ("word", "Quel connard, ce projet"),
                           ("privacy", "Son numéro : 06 12 34 56 78")):
            res = await post(phone, ev.slug, text)
            assert res.status_code == 202 and res.json()["status"] == "pending"
            ids[name] = res.json()["id"]
        assert (await decide(desk, ev.slug, ids["shown"], "approve", ev.token)).status_code == 200
        assert (await decide(desk, ev.slug, ids["word"], "reject", ev.token)).status_code == 200
        assert (await decide(desk, ev.slug, ids["privacy"], "reject", ev.token,
                             reason="privacy")).status_code == 200
        assert (await decide(desk, ev.slug, ids["wait"], "reject", ev.token,
                             reason="nope")).status_code == 422
        seen = {p["id"]: p for p in await mine(phone, ev.slug, *ids.values(), "zzz")}
        assert [seen[ids[n]]["status"] for n in ids] == ["waiting", "shown", "not_shown",
                                                          "not_shown"]
        assert (seen[ids["word"]]["rule"], seen[ids["word"]]["rule_label"]) == ("insults",
                                                                                "insultes")
        assert seen[ids["privacy"]]["rule_label"] == "informations privées"
        english = await mine(phone, ev.slug, ids["privacy"], lang="en")
        assert english[0]["rule_label"] == "private information"
        assert "connard" not in str([(p["status"], p["rule"], p["rule_label"])
                                     for p in seen.values()])
        assert await mine(other, ev.slug, *ids.values()) == []
        async with inprocess_app.client() as stranger:  # no device cookie at all
            assert await mine(stranger, ev.slug, *ids.values()) == []
        bad = await phone.get(f"/api/events/{ev.slug}/my-posts", params={"ids": "a,B!"})
        assert bad.status_code == 422


async def test_withdrawing_takes_a_post_off_the_wall_or_the_queue_and_only_its_author_can(
        inprocess_app: InProcessApp, redis: Redis) -> None:
    """DELETE my-posts/{id}: another device gets 404 and nothing changes; the author's
    pending post leaves the queue, the approved one the wall (audited `withdrawn` by
    `author`, not counted against them); no moderator approves it again."""
    ev = await make_event(redis)
    async with inprocess_app.client() as phone, inprocess_app.client() as desk, \
            inprocess_app.client() as other:
        await phone.get(f"/e/{ev.slug}")
        await other.get(f"/e/{ev.slug}")
        waiting = (await post(phone, ev.slug, "Je retire ceci")).json()["id"]
        shown = (await post(phone, ev.slug, "Et ceci aussi")).json()["id"]
        await decide(desk, ev.slug, shown, "approve", ev.token)
        author = (await redis.hget(keys.items(ev.slug), waiting)) or ""
        refused = await other.delete(f"/api/events/{ev.slug}/my-posts/{shown}")
        assert refused.status_code == 404
        assert await redis.hget(keys.state(ev.slug), shown) == "approved"
        assert (await other.delete(f"/api/events/{ev.slug}/my-posts/nope")).status_code == 404
        cross = await phone.delete(f"/api/events/{ev.slug}/my-posts/{shown}",
                                   headers={"Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403

        for item_id, state in ((waiting, "rejected"), (shown, "retracted")):
            res = await phone.delete(f"/api/events/{ev.slug}/my-posts/{item_id}")
            assert res.status_code == 200 and res.json()["status"] == "withdrawn"
            assert await redis.hget(keys.state(ev.slug), item_id) == state
        again = await phone.delete(f"/api/events/{ev.slug}/my-posts/{shown}")
        assert again.status_code == 200  # withdrawing twice changes nothing
        queue = (await desk.get(f"/api/events/{ev.slug}/queue", headers=ev.auth)).json()
        assert queue["items"] == []
        assert await redis.zscore(keys.onwall(ev.slug), shown) is None
        audit = [f for _, f in await redis.xrange(keys.audit(ev.slug))
                 if f["id"] in (waiting, shown) and f["by"] == "author"]
        assert [(a["action"], a["rule"]) for a in audit] == [("reject", "withdrawn"),
                                                            ("retract", "withdrawn")]
        feed = [f for _, f in await redis.xrange(keys.feed(ev.slug))]
        assert {"type": "retract", "id": shown} in feed
        for item_id, state in ((waiting, "rejected"), (shown, "retracted")):
            res = await decide(desk, ev.slug, item_id, "approve", ev.token, expected=state)
            assert res.status_code == 409
        assert (await decide(desk, ev.slug, waiting, "restore", ev.token,
                             expected="rejected")).status_code == 409
        key = __import__("json").loads(author)["author_key"]
        record = await author_record(redis, ev.slug, key)
        assert record["rejected"] == 0
        assert [p["status"] for p in await mine(phone, ev.slug, waiting, shown)] == [
            "withdrawn", "withdrawn"]


async def test_an_admin_writes_the_charter_anyone_reads_it(
        app_client: httpx.AsyncClient, redis: Redis, event: EventFixture,
        tmp_path: Path, redis_url: str) -> None:
    """PUT (admin only, plain text, at most 4,000 characters) per language, an empty text
    restores the default; GET gives the charter in the asked language, else the other;
    `clameur event update --charter-file` does the same."""
    url = f"/api/events/{event.slug}/charter"
    default = (await app_client.get(url, params={"lang": "en"})).json()
    assert not default["custom"] and [r["code"] for r in default["rules"]] == [
        "insults", "personal", "privacy", "spam", "unlawful"]
    assert default["rules"][0]["label"] == "insults"
    text = "Ici on se respecte.\nPas d'insultes, pas de pub."
    assert (await app_client.put(url, json={"lang": "fr", "text": text},
                                 headers=event.auth)).status_code == 403
    res = await app_client.put(url, json={"lang": "fr", "text": text}, headers=event.admin_auth)
    assert res.status_code == 200 and res.json()["charter"] == {"fr": text}
    for lang in ("fr", "en"):  # no English text: the French one, marked as such
        got = (await app_client.get(url, params={"lang": lang})).json()
        assert (got["custom"], got["text"], got["lang"]) == (True, text, "fr")
    too_long = await app_client.put(url, json={"lang": "en", "text": "x" * 4001},
                                    headers=event.admin_auth)
    assert too_long.status_code == 422
    assert (await app_client.put(url, json={"lang": "de", "text": "x"},
                                 headers=event.admin_auth)).status_code == 422
    page = (await app_client.get(f"/e/{event.slug}?lang=en")).text
    assert 'lang="fr"' in page and "Ici on se respecte." in page
    res = await app_client.put(url, json={"lang": "fr", "text": ""}, headers=event.admin_auth)
    assert res.json()["charter"] == {}

    charter = tmp_path / "charte.txt"
    charter.write_text("Be kind.\nNo ads.", encoding="utf-8")
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)}
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "wall", "event", "update", event.slug,
                         "--charter-file", str(charter), "--charter-lang", "en"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout(30))
    assert done.returncode == 0, done.stderr
    assert "charter=en" in done.stdout
    stored = await get_event(redis, event.slug)
    assert stored is not None and stored.charter == {"en": "Be kind.\nNo ads."}


@pytest.mark.browser
async def test_the_phone_shows_the_charter_first_then_not_shown_with_its_rule(
        browser: Browser, server: ServerProcess, redis: Redis) -> None:
    """The charter is open before the first post; once read it folds into a button (and
    stays folded on reload). A post rejected for a word of the list reads "Non affiché —
    hors charte : insultes", without the word; an approved one can be withdrawn from the
    page and leaves the wall."""
    ev = await make_event(redis, wordlist="reject", hashtags=["débat"],
                          mastodon_instances=["piaille.fr"])
    phone, log = await open_page(browser, f"{server.url}/e/{ev.slug}", width=390, height=844)
    await expect(phone.locator("#app")).to_have_attribute("data-online", "1", timeout=MS)
    charter = phone.locator("#charter")
    await expect(charter.locator(".charter-rules li")).to_have_count(5)
    await expect(charter.locator(".charter-social")).to_contain_text("#débat")
    await expect(charter.locator(".charter-social")).to_contain_text("Mastodon")
    assert await axe_violations(phone, "#charter") == []
    await screenshot(phone, "charter-phone-390x844")
    ok = phone.locator("#charter-ok")
    await ok.click()
    toggle = phone.locator("#charter-toggle")
    await expect(toggle).to_be_focused()
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    await expect(phone.locator("#charter-body")).to_be_hidden()
    await phone.reload()
    await expect(phone.locator("#charter-body")).to_be_hidden()
    await expect(phone.locator("#charter-toggle")).to_have_text("Lire la charte")

    await phone.fill("#text", "Vous êtes un connard")
    await phone.click("#send")
    await phone.fill("#text", "Merci à toutes et à tous")
    await phone.click("#send")
    items = phone.locator("#mine-list li")
    await expect(items).to_have_count(2, timeout=MS)
    refused = phone.locator('#mine-list li[data-status="not_shown"] .mine-status')
    await expect(refused).to_have_text("Non affiché — hors charte : insultes", timeout=MS)
    await expect(phone.locator('#mine-list li[data-status="not_shown"] button')).to_have_count(0)

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as desk:
        queue = (await desk.get(f"/api/events/{ev.slug}/queue", headers=ev.auth)).json()
        (kind,) = queue["items"]
        assert (await decide(desk, ev.slug, kind["id"], "approve", ev.token)).status_code == 200
    shown = phone.locator('#mine-list li[data-status="shown"]')
    await expect(shown.locator(".mine-status")).to_have_text("Sur le mur", timeout=MS)
    await expect(phone.locator(f'#feed [data-id="{kind["id"]}"]')).to_have_count(1)
    assert await contrast_problems(phone, [".mine-status", ".mine-text", ".charter-toggle"]) == []
    assert await axe_violations(phone, "#mine") == []
    assert await axe_violations(phone, "#charter") == []
    await screenshot(phone, "charter-mine-390x844")

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    phone.on("dialog", accept)
    await shown.locator("button").click()
    await expect(phone.locator(f'#mine-list li[data-id="{kind["id"]}"]')).to_have_attribute(
        "data-status", "withdrawn", timeout=MS)
    await expect(phone.locator(f'#feed [data-id="{kind["id"]}"]')).to_have_count(0)
    assert log.problems() == []
