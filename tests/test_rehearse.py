"""`clameur rehearse` against real servers: the report equals what the server stored, and a
server whose Redis dies fails the rehearsal with its losses named."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from tests.support.servers import ROOT, ServerProcess
from tests.support.timing import timeout
from wall.models import Event
from wall.moderation.wordlist import first_match, matcher
from wall.redis_client import connect
from wall.redis_server import EmbeddedRedis
from wall.rehearsal import corpus
from wall.rehearsal.naming import is_rehearsal, rehearsal_slug
from wall.reporting.dataset import collect
from wall.reporting.stats import build as build_report
from wall.store import exports, keys
from wall.store.events import create_event, get_event

TWILIO, VONAGE = "rehearsal-twilio", "rehearsal-vonage"
SECRETS = {"TWILIO_AUTH_TOKEN": TWILIO, "VONAGE_SIGNATURE_SECRET": VONAGE}


def rehearse_command(slug: str, server: ServerProcess, report: Path, *extra: str
                     ) -> list[str]:
    return [sys.executable, "-m", "wall", "rehearse", slug, "--against", server.url,
            "--phones", "50", "--duration", "8", "--ramp", "2", "--posts-per-minute", "6",
            "--sms", "4", "--sms-per-minute", "6", "--json", str(report), "--lang", "en",
            *extra]


def cli_env(redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CLAMEUR_PUBLIC_URL")}
    return {**env, "PYTHONPATH": str(ROOT), "REDIS_URL": redis_url, **SECRETS}


@pytest.fixture(scope="module")
def limited_server(redis_url: str) -> Iterator[ServerProcess]:
    """A real `clameur serve` with the default rate limits and both SMS providers' secrets."""
    proc = ServerProcess(redis_url=redis_url,
                         env={"CLAMEUR_RATE_LIMITS": "", **SECRETS}).start()
    yield proc
    proc.stop()


async def sms_event(redis: Redis, slug: str) -> None:
    await create_event(redis, Event(slug=slug, title="Conseil de quartier", mode="post",
                                    sms_number="+33700000000", sources=[]))


def test_corpus_insults_are_the_ones_the_word_list_holds() -> None:
    """The bundled corpus loads from the package; its `blocked` messages, and only they,
    match the default word list."""
    words = corpus.load()
    assert len(words.messages) > 50 and any(m.question for m in words.messages)
    pattern = matcher()
    for message in words.messages:
        caught = first_match(message.text, pattern) is not None
        assert caught == (message.expect == "blocked"), message.text


@pytest.mark.parametrize("nat", [False, True], ids=["spread", "nat"])
async def test_rehearsal_report_equals_what_the_server_stored(
        redis: Redis, redis_url: str, limited_server: ServerProcess, tmp_path: Path,
        nat: bool) -> None:
    """50 phones (spread over loopback addresses, or all behind one) and 4 SMS senders:
    exit 0, every tap counted exactly, every post and SMS stored once; the real event gets
    nothing, exports of the copy publish nothing, --clean removes it."""
    slug = f"reh-{'nat' if nat else 'spread'}-{os.getpid()}"
    await sms_event(redis, slug)
    report_path = tmp_path / "report.json"
    result = subprocess.run(
        rehearse_command(slug, limited_server, report_path, *(["--nat"] if nat else [])),
        env=cli_env(redis_url), cwd=ROOT, capture_output=True, text=True,
        timeout=timeout(120))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: every tap counted" in result.stdout
    report: dict[str, Any] = json.loads(report_path.read_text())
    copy = rehearsal_slug(slug)
    assert report["phones_connected"] == 50 and report["nat"] is nat

    # Taps: the report's count equals what the room sent and what the store holds.
    stored_totals = {k: int(v) for k, v in (await redis.hgetall(keys.reactions(copy))).items()}
    assert report["taps_sent_total"] > 0
    assert report["taps_counted"] == stored_totals == report["taps_sent"]
    # Posts: every one answered 202 and every SMS answered is stored once.
    items = await exports.all_items(redis, copy)
    web = [i for i in items if i.source == "web"]
    sms = [i for i in items if i.source == "sms"]
    accepted = report["posts_accepted"]["approved"] + report["posts_accepted"]["pending"]
    assert len(web) == accepted == report["posts_sent"] - sum(report["posts_refused"].values())
    assert len(sms) == report["sms_answered"] == report["sms_sent"] > 0
    states = await exports.states(redis, copy)
    assert report["stored"] == {s: list(states.values()).count(s) for s in set(states.values())}
    assert report["lost_posts"] == [] and report["lost_taps"] == {}
    assert report["server_errors_total"] == 0
    assert report["latency_ms"]["approved_at_once"]["count"] == report["stored"]["approved"]

    # The real event saw nothing; the copy is marked and publishes nothing.
    assert await redis.hlen(keys.items(slug)) == 0
    assert not await redis.exists(keys.reactions(slug))
    event = await get_event(redis, copy)
    assert event is not None and is_rehearsal(event) and event.sms_number == ""
    dataset = await collect(redis, copy)
    assert dataset is not None and dataset.items == [] and dataset.minutes == []
    figures = await build_report(redis, event)
    assert figures.moderation.received == 0 and sum(figures.totals.values()) == 0

    cleaned = subprocess.run([sys.executable, "-m", "wall", "rehearse", slug, "--clean"],
                             env=cli_env(redis_url), cwd=ROOT, capture_output=True,
                             text=True, timeout=timeout(30))
    assert cleaned.returncode == 0, cleaned.stderr
    assert await get_event(redis, copy) is None
    assert not [k async for k in redis.scan_iter(match=f"{keys.event_prefix(copy)}*")]
    assert await get_event(redis, slug) is not None


async def test_rehearsal_against_a_server_whose_redis_dies_names_its_losses(
        tmp_path: Path) -> None:
    """Redis killed mid-run: the rehearsal ends on its own with exit 1, naming the server
    errors and the posts and taps the server can no longer show it has."""
    own = EmbeddedRedis(tmp_path / "redis").start()
    server = None
    try:
        redis = connect(own.url)
        slug = "reh-doomed"
        await sms_event(redis, slug)
        server = ServerProcess(redis_url=own.url,
                               env={"CLAMEUR_RATE_LIMITS": "", **SECRETS}).start()
        command = rehearse_command(slug, server, tmp_path / "report.json")
        proc = subprocess.Popen(command, env=cli_env(own.url), cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + timeout(30)
            copy = rehearsal_slug(slug)
            # Mid-run: once posts are stored and taps counted.
            while not (await redis.hlen(keys.items(copy)) >= 3
                       and await redis.exists(keys.reactions(copy))):
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
            await redis.aclose()
            own.stop(kill=True)
            out, err = proc.communicate(timeout=timeout(120))
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
        assert proc.returncode == 1, out + err
        assert "FAILED:" in out
        assert "server errors:" in out
        assert "lost posts:" in out and "lost taps:" in out
        report = json.loads((tmp_path / "report.json").read_text())
        assert report["lost_posts"] and report["lost_taps"] and report["unreadable"]
        named = {p["id"] for p in report["lost_posts"] if p["id"]}
        assert named and all(item_id in out for item_id in list(named)[:10])
    finally:
        if server is not None:
            server.stop()
        own.stop()
