"""A seeded event for the after-the-event tests: several sources, every fate, reactions.

Items go in through `wall.moderation.intake.accept`, decisions through
`wall.store.decisions.decide`,
reactions through `wall.store.reactions.add_reactions`: the same paths as in production.
`Clock` lets a seed play a whole debate in the past (decisions and reaction minutes are
stamped by the store's own clock calls, which it redirects).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from wall.models import Event, Item, new_item_id
from wall.moderation.intake import accept
from wall.store import decisions as decisions_module
from wall.store import reactions as reactions_module
from wall.store.decisions import decide
from wall.store.events import create_event, get_event
from wall.store.reactions import add_reactions
from wall.store.tokens import create_token


@dataclass
class Seeded:
    slug: str
    admin_token: str
    approved: dict[str, Item] = field(default_factory=dict)  # still approved at the end
    hidden: dict[str, Item] = field(default_factory=dict)  # pending, rejected, retracted
    reactions: dict[str, int] = field(default_factory=dict)


class Clock:
    """The store's clock, moved by hand (epoch seconds)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: float) -> None:
        self.now = start
        monkeypatch.setattr(decisions_module, "time", self)
        monkeypatch.setattr(decisions_module, "utc_now_iso", self.iso)
        monkeypatch.setattr(reactions_module, "time", self)

    def time(self) -> float:
        return self.now

    def iso(self) -> str:
        moment = datetime.fromtimestamp(self.now, UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# (source, author shown, author key, text, fate)
MESSAGES = [
    ("web", "Camille", "web:camille0000000001", "Bonjour à tous, « ça commence » !", "approve"),
    ("sms", "Zoé", "sms:5f1e0a9c2b7d4e6f8a10", "Quand est-ce qu'on parle du budget ?", "approve"),
    ("mastodon", "Élodie 🌿", "mastodon:elodie00000001", 'Citation: "oui, mais",\nsuite',
     "approve"),
    ("x", "Karim", "x:karim000000000000001", "=HYPERLINK(\"http://x\") n'est pas une formule",
     "approve"),
    ("bluesky", "", "bluesky:anon0000000001", "Message sans nom, accents: àéîõü ç", "approve"),
    ("web", "Troll", "web:troll00000000000001", "injure grossière", "reject"),
    ("sms", "Zoé", "sms:5f1e0a9c2b7d4e6f8a10", "retiré après coup", "retract"),
    ("mastodon", "Lent", "mastodon:lent0000000001", "encore en attente", "pending"),
]


async def seed_event(redis: Redis) -> Seeded:
    """An open event with one item of every fate from every source, and some reactions."""
    slug = f"s-{secrets.token_hex(4)}"
    await create_event(redis, Event(slug=slug, title="Débat public: la rue Émile-Zola"))
    admin, _ = await create_token(redis, slug, "admin", label="root")
    event = await get_event(redis, slug)
    assert event is not None
    seeded = Seeded(slug, admin)
    for n, (source, author, key, text, fate) in enumerate(MESSAGES):
        item = Item(id=new_item_id(), event=slug, source=source, source_id=f"src-{n}",
                    author=author, text=text, received_at=_iso_now(), author_key=key,
                    url=f"https://{source}.example/@{key}/{n}")
        accepted = await accept(redis, event, item)
        await _apply(redis, slug, accepted.id, fate)
        (seeded.approved if fate == "approve" else seeded.hidden)[accepted.id] = item
    for delta in ({"clap": 5, "heart": 2}, {"clap": 1, "question": 4}):
        await add_reactions(redis, slug, delta)
        for kind, n in delta.items():
            seeded.reactions[kind] = seeded.reactions.get(kind, 0) + n
    return seeded


async def _apply(redis: Redis, slug: str, item_id: str, fate: str) -> None:
    if fate == "pending":
        return
    first = "reject" if fate == "reject" else "approve"
    assert (await decide(redis, slug, item_id, first, by="alice")).status == "ok"
    if fate == "retract":
        assert (await decide(redis, slug, item_id, "retract", by="bob")).status == "ok"


def _iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


DEBATE_START = 1_795_546_800  # 2026-11-24 19:00 UTC, a multiple of 300 s


async def seed_debate(redis: Redis, monkeypatch: pytest.MonkeyPatch,
                      messages: int = 36) -> Seeded:
    """A 90-minute debate played on the store's clock: posts from every source decided by
    two moderators (and a trusted author's rule), reactions every minute with three peaks."""
    from wall.store.authors import set_author_flag

    rnd = random.Random(8)
    clock = Clock(monkeypatch, DEBATE_START)
    slug = f"d-{secrets.token_hex(4)}"
    await create_event(redis, Event(slug=slug, title="Débat public : l'avenir du quartier"))
    admin, _ = await create_token(redis, slug, "admin", label="root")
    event = await get_event(redis, slug)
    assert event is not None
    await set_author_flag(redis, slug, "web:mairie000000000001", "trusted", True)
    seeded = Seeded(slug, admin)
    sources = ["web"] * 5 + ["sms"] * 3 + ["mastodon"] * 2 + ["x", "bluesky"]
    peaks = {22: 80, 47: 120, 71: 95}
    for minute in range(90):
        clock.now = DEBATE_START + minute * 60
        for _ in range(messages * (2 if 40 <= minute < 55 else 1) // 100 + (minute % 3 == 0)):
            await _debate_post(redis, event, seeded, clock, rnd, rnd.choice(sources), minute)
        taps = peaks.get(minute, 0) + rnd.randint(2, 18)
        await add_reactions(redis, slug, {"clap": taps // 2, "heart": taps // 4,
                                          "question": taps - taps // 2 - taps // 4})
        seeded.reactions["total"] = seeded.reactions.get("total", 0) + taps
    return seeded


async def _debate_post(redis: Redis, event: Event, seeded: Seeded, clock: Clock,
                       rnd: random.Random, source: str, minute: int) -> None:
    n = len(seeded.approved) + len(seeded.hidden)
    official = n % 11 == 5
    author = "Mairie" if official else rnd.choice(["Camille", "Zoé", "Karim", "Élodie", "",
                                                   "Jean-Paul", "Aïcha"])
    key = "web:mairie000000000001" if official else f"{source}:{secrets.token_hex(10)}"
    text = rnd.choice(["Et les pistes cyclables rue Émile-Zola ?",
                       "Merci pour la clarté des échanges 👏",
                       "Quel budget pour la rénovation de l'école ?",
                       "Les commerçants ont-ils été consultés ?",
                       "Pensez aux personnes âgées, il faut des bancs.",
                       "Réponse très floue sur le calendrier…"])
    item = Item(id=new_item_id(), event=event.slug, source="web" if official else source,
                source_id=f"debate-{n}", author=author, text=f"{text} (#{n + 1})",
                received_at=clock.iso(), author_key=key)
    accepted = await accept(redis, event, item)
    if accepted.status == "approved":
        seeded.approved[item.id] = item
        return
    clock.now += rnd.randint(15, 120)
    fate = "reject" if n % 7 == 3 else "approve"
    moderator = "alice" if n % 2 else "bob"
    assert (await decide(redis, event.slug, item.id, fate, by=moderator)).status == "ok"
    (seeded.approved if fate == "approve" else seeded.hidden)[item.id] = item
    clock.now = DEBATE_START + minute * 60
