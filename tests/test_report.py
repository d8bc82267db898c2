"""The event report: its figures on a hand-timed event, its two renderings, its access."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from tests.support.seeded import DEBATE_START, Clock, seed_event
from tests.test_export import run_cli
from wall.models import Event, Item, new_item_id
from wall.moderation.intake import accept
from wall.reporting.stats import build
from wall.store.authors import set_author_flag
from wall.store.decisions import decide
from wall.store.events import create_event, get_event
from wall.store.reactions import add_reactions
from wall.store.tokens import create_token

T0 = DEBATE_START
M0 = T0 // 60


async def timed_event(redis: Redis, monkeypatch: pytest.MonkeyPatch) -> Event:
    """Four posts and four reaction minutes at known moments (see each step)."""
    clock = Clock(monkeypatch, T0)
    event = Event(slug=f"r-{new_item_id()}", title="Conseil de quartier")
    await create_event(redis, event)
    await set_author_flag(redis, event.slug, "mastodon:trusted0000001", "trusted", True)

    async def post(source: str, at: int, key: str, text: str) -> str:
        clock.now = T0 + at
        item = Item(id=new_item_id(), event=event.slug, source=source, source_id=text,
                    author="Anne", text=text, received_at=clock.iso(), author_key=key)
        return (await accept(redis, event, item)).id

    async def decided(item_id: str, action: str, at: int, by: str) -> None:
        clock.now = T0 + at
        assert (await decide(redis, event.slug, item_id, action, by=by)).status == "ok"

    a = await post("web", 0, "web:a", "A")
    await decided(a, "approve", 30, "alice")  # 30 s, shown in minute M0
    b = await post("sms", 60, "sms:b", "B")
    await decided(b, "reject", 150, "bob")  # 90 s
    await post("mastodon", 400, "mastodon:trusted0000001", "C")  # rule, 0 s, minute M0+6
    await post("x", 410, "x:d", "D")  # never decided
    for minute, taps in ((0, 5), (1, 2), (7, 20), (12, 9)):
        clock.now = T0 + minute * 60
        await add_reactions(redis, event.slug, {"clap": taps})
    return event


async def test_report_figures_on_a_hand_timed_event(redis: Redis,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Sources, 5-minute buckets, medians, peaks and most-reacted match the timeline."""
    event = await timed_event(redis, monkeypatch)
    r = await build(redis, event)
    assert [(s.source, s.received, s.approved) for s in r.sources] == [
        ("web", 1, 1), ("sms", 1, 0), ("x", 1, 0), ("mastodon", 1, 1)]
    assert [(b.start, b.received, b.approved) for b in r.buckets] == [
        (T0, 2, 1), (T0 + 300, 2, 1)]
    m = r.moderation
    assert (m.received, m.approved, m.rejected, m.pending, m.retracted) == (4, 2, 1, 1, 0)
    assert (m.by_rules, m.by_moderators) == (1, 2)
    assert (m.median_s, m.median_moderator_s) == (30, 60)
    assert m.moderators == [("alice", 1), ("bob", 1)]
    assert len(r.minutes) == 13 and r.minutes[7] == (M0 + 7, 20)
    assert [(p.minute - M0, p.total, p.on_wall.text if p.on_wall else None)
            for p in r.peaks] == [(7, 20, "C"), (12, 9, "C"), (0, 5, "A")]
    assert [(x.item.text, x.reactions) for x in r.most_reacted] == [("C", 20), ("A", 7)]
    assert r.totals["clap"] == 36


async def test_report_route_needs_an_admin_token_and_inlines_nothing(
        redis: Redis, http: httpx.AsyncClient) -> None:
    """401 without an admin token (a `?token=` in the URL counts as none), 403 for a
    moderator's; with the admin's `Authorization` header the page links its CSS, has no
    inline style or script, and speaks the asked language."""
    seeded = await seed_event(redis)
    mod, _ = await create_token(redis, seeded.slug, "moderator")
    url = f"/e/{seeded.slug}/report"
    admin = {"Authorization": f"Bearer {seeded.admin_token}"}
    assert (await http.get(url)).status_code == 401
    assert (await http.get(url, params={"token": seeded.admin_token})).status_code == 401
    assert (await http.get(url, headers={"Authorization": f"Bearer {mod}"})).status_code == 403
    res = await http.get(url, params={"lang": "fr"}, headers=admin)
    assert res.status_code == 200, res.text
    html = res.text
    assert '<link rel="stylesheet" href="/static/report.css">' in html
    assert "<style" not in html and "<script" not in html and "style=" not in html
    assert "Messages par source" in html and "Chronologie des réactions" in html
    assert html.count("<svg") == 3
    en = (await http.get(url, params={"lang": "en"}, headers=admin)).text
    assert "Posts per source" in en and "Messages par source" not in en
    css = await http.get("/static/report.css")
    assert css.status_code == 200 and "@media print" in css.text


async def test_report_escapes_what_people_wrote(redis: Redis) -> None:
    """A message with markup shows as text in the report, never as HTML."""
    event = Event(slug=f"x-{new_item_id()}", title="<b>Titre</b>")
    await create_event(redis, event)
    item = Item(id=new_item_id(), event=event.slug, source="web", source_id="1",
                author="<i>Eve</i>", text="<script>alert(1)</script> & <img src=x>",
                received_at="2026-11-26T18:00:00.000Z", author_key="web:e")
    await accept(redis, event, item)
    await decide(redis, event.slug, item.id, "approve", by="alice")
    await add_reactions(redis, event.slug, {"wow": 3})
    from wall.reporting.page import render_report

    fresh = await get_event(redis, event.slug)
    assert fresh is not None
    html = render_report(await build(redis, fresh), "en", standalone=True)
    assert "<script>" not in html and "<img" not in html and "<b>Titre" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x&gt;" in html


def test_cli_report_is_one_self_contained_file(redis_url: str, tmp_path: Path) -> None:
    """`clameur report --output`: CSS inlined, no external link or script, French by --lang."""
    from wall.redis_client import connect

    async def seed() -> str:
        client = connect(redis_url)
        try:
            return (await seed_event(client)).slug
        finally:
            await client.aclose()

    slug = asyncio.run(seed())
    out = tmp_path / "bilan.html"
    run_cli(redis_url, "report", slug, "--output", str(out), "--lang", "fr",
            "--tz", "Europe/Paris")
    html = out.read_text()
    assert "<style>" in html and "@media print" in html
    assert "<link" not in html and "<script" not in html and "style=" not in html
    refs = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert all(not r.startswith(("http", "//", "/")) for r in refs), refs
    assert "Bilan de l&#39;événement" in html and "Europe/Paris" in html


async def test_report_of_an_empty_event_says_so(redis: Redis) -> None:
    """No post, no tap: the report renders and says there is nothing, in French."""
    from wall.reporting.page import render_report

    event = Event(slug=f"e-{new_item_id()}", title="Rien encore")
    await create_event(redis, event)
    html = render_report(await build(redis, event), "fr")
    assert "Aucun message n&#39;a été reçu." in html
    assert "Aucune réaction n&#39;a été enregistrée." in html
    assert "<svg" not in html
