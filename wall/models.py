"""The data shapes shared by the server, the sources and the moderator client."""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from json.encoder import encode_basestring
from typing import Any

SOURCES = ("web", "sms", "x", "mastodon", "bluesky")
HASHTAG_SOURCES = ("x", "mastodon", "bluesky")
ACTIONS = ("approve", "reject", "retract", "pin", "unpin", "highlight", "restore",
           "unapprove", "unhighlight", "reveal")
MODES = ("pre", "post")
SOCIAL_MODERATION = ("approve", "follow_mode")
# How much the pages move: "full", or "reduced" (no bursts, no animations) for every
# viewer, as a viewer's own `prefers-reduced-motion` already gives them.
MOTIONS = ("full", "reduced")
STATUSES = ("draft", "open", "closed")
DEFAULT_REACTIONS = ("clap", "heart", "laugh", "wow", "question")
# The event's time zone (an IANA name) when none is given: the first users are French civic
# organisations. Old events saved without one read it too (from_hash).
DEFAULT_TIMEZONE = "Europe/Paris"
SLUG_RE = re.compile(r"[a-z0-9-]{1,40}")  # whole string: fullmatch (`$` admits a final \n)
MAX_TEXT = 500
MAX_AUTHOR = 60

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = _B36[r] + out
    return out or "0"


# json.dumps(..., ensure_ascii=False, separators=(",", ":")), its encoder built once.
_ITEM_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_q = encode_basestring  # a JSON string, as json.dumps(..., ensure_ascii=False) writes it
_BOOL = {False: "false", True: "true"}


def _q_or_null(value: str | None) -> str:
    return "null" if value is None else _q(value)


# The current millisecond in base 36, written once per millisecond rather than per item.
_MILLISECOND: tuple[int, str] = (-1, "")


def new_item_id() -> str:
    """A short id that sorts by creation time (ms) with a random tail."""
    global _MILLISECOND
    now = int(time.time() * 1000)
    cached = _MILLISECOND  # read once: a thread may replace it meanwhile
    if now != cached[0]:
        cached = _MILLISECOND = (now, _base36(now))
    return cached[1] + secrets.token_hex(3)


def utc_now_iso() -> str:
    return utc_iso(time.time())


# The current second's "YYYY-MM-DDTHH:MM:SS", formatted once per second rather than per post.
_SECOND: tuple[int, str] = (-1, "")


def utc_iso(now: float) -> str:
    """`now` (Unix time) as `datetime.fromtimestamp(now, UTC).isoformat(timespec=
    "milliseconds")` with a Z: its microseconds rounded half-even, then cut to ms."""
    global _SECOND
    second = int(now)
    micros = round((now - second) * 1e6)
    if micros >= 1_000_000:
        second, micros = second + 1, micros - 1_000_000
    cached = _SECOND  # read once: a thread may replace it meanwhile
    if second != cached[0]:
        cached = _SECOND = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{cached[1]}.{micros // 1000:03d}Z"


def valid_slug(slug: str) -> bool:
    return bool(SLUG_RE.fullmatch(slug))


LANG_RE = re.compile(r"^([a-z]{2,3})(?:[-_]([a-z]{2}|[0-9]{3}))?$")


def clean_lang(value: object) -> str:
    """A source's language tag as a page's `lang` attribute can carry it ("fr", "pt-BR"),
    or "" when it names none (X's "und", a missing or malformed value)."""
    match = LANG_RE.match(str(value or "").strip().lower())
    if not match or match.group(1) in ("und", "zxx", "mul", "qme", "qht", "qam", "qst"):
        return ""
    region = match.group(2)
    return match.group(1) + (f"-{region.upper()}" if region else "")


@dataclass
class Item:
    """One thing someone said, as the wall and the moderators see it."""

    id: str
    event: str
    source: str
    source_id: str
    author: str
    text: str
    received_at: str
    media: list[dict[str, str]] = field(default_factory=list)
    url: str | None = None
    author_key: str | None = None
    avatar: str | None = None
    # Media flagged at the source (Mastodon `sensitive` or a content warning, Bluesky adult
    # self-labels, X `possibly_sensitive`): hidden on walls and phones until `revealed` (a
    # moderator's `reveal` decision, which rewrites this body in the decision script).
    sensitive: bool = False
    # The source's content warning (Mastodon `spoiler_text`); the text already starts with
    # it, so rules, limits and exports see it. The desk shows it as a flag.
    content_warning: str | None = None
    revealed: bool = False
    # "question" (phones upvote it once approved: wall/store/questions.py) or "message".
    kind: str = "message"
    # Why the rules held it for a moderator ("wordlist:<word>"), else "": shown on the desk,
    # never to walls and phones.
    held: str = ""
    # The language the source gave the text (Mastodon `language`, Bluesky `langs`, X
    # `lang`), cleaned by `clean_lang`; "" when unknown (web and SMS posts). Pages set it as
    # the item's `lang` when it differs from theirs, so screen readers switch voices.
    lang: str = ""

    def to_json(self) -> str:
        """The stored form: what `json.dumps` gives for the fields in order, with
        ensure_ascii=False and no spaces; written field by field, each string escaped by
        json's own C function (the generic encoder was ~8 % of the instructions of a post,
        docs/performance.md)."""
        return (f'{{"id":{_q(self.id)},"event":{_q(self.event)},"source":{_q(self.source)},'
                f'"source_id":{_q(self.source_id)},"author":{_q(self.author)},'
                f'"text":{_q(self.text)},"received_at":{_q(self.received_at)},'
                f'"media":{_ITEM_JSON.encode(self.media) if self.media else "[]"},'
                f'"url":{_q_or_null(self.url)},"author_key":{_q_or_null(self.author_key)},'
                f'"avatar":{_q_or_null(self.avatar)},"sensitive":{_BOOL[self.sensitive]},'
                f'"content_warning":{_q_or_null(self.content_warning)},'
                f'"revealed":{_BOOL[self.revealed]},"kind":{_q(self.kind)},'
                f'"held":{_q(self.held)},"lang":{_q(self.lang)}}}')

    @classmethod
    def from_json(cls, raw: str | bytes) -> Item:
        data = json.loads(raw)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def dedupe_key(self) -> str:
        """The `seen` key that stores this item once. A web post's `source_id` is made by the
        phone (one per post), so it is unique per author (the keyed hash of the device), not
        globally; the other sources' ids are global."""
        if self.source == "web":
            return f"web:{self.author_key or ''}:{self.source_id}"
        return f"{self.source}:{self.source_id}"

    def public(self) -> dict[str, Any]:
        """The item as shown to walls and audiences: no author key (it identifies a device or
        a phone), no content warning (the text starts with it, normalised), and sensitive
        media withheld until revealed (`media_hidden` says how many images a placeholder
        stands for)."""
        data = asdict(self)
        data.pop("author_key", None)
        data.pop("content_warning", None)
        data.pop("held", None)
        if self.sensitive and not self.revealed and self.media:
            data["media"], data["media_hidden"] = [], len(self.media)
        return data


@dataclass
class Event:
    """One wall: its settings, as stored in the event's meta hash."""

    slug: str
    title: str
    hashtags: list[str] = field(default_factory=list)
    mode: str = "pre"
    status: str = "open"
    languages: list[str] = field(default_factory=lambda: ["fr", "en"])
    reactions: list[str] = field(default_factory=lambda: list(DEFAULT_REACTIONS))
    sms_number: str = ""
    sms_keyword: str = ""
    # An SMS that starts with "?", or whose first word is this keyword, is a question.
    question_keyword: str = ""
    mastodon_instances: list[str] = field(default_factory=list)
    # Hashtag sources `clameur ingest` follows for this event (SMS is always on).
    sources: list[str] = field(default_factory=lambda: list(HASHTAG_SOURCES))
    theme: dict[str, str] = field(default_factory=dict)
    motion: str = "full"
    links: str = "allow"
    # Automatic moderation: the FR+EN word list ("on"/"off"), what a match does ("hold" for
    # a moderator, showing the word; "reject": the reviewed insults and the event's own
    # words are rejected, other matches held), words added to it, and words
    # taken out of it (false positives for this event).
    blocklist: str = "on"
    wordlist: str = "hold"
    blocked_words: list[str] = field(default_factory=list)
    allowed_words: list[str] = field(default_factory=list)
    # The moderation charter in the organiser's words, per language ("fr"/"en" -> plain
    # text); none: the default charter (wall/moderation/charter.py).
    charter: dict[str, str] = field(default_factory=dict)
    # Hashtag posts (X, Mastodon, Bluesky): "approve" (default) waits for a moderator even
    # in post-moderation (their authors did not come to this room); "follow_mode" treats
    # them like the room's own posts.
    social_post_moderation: str = "approve"
    # Sites allowed to frame this event's wall page (an overlay in OBS or on a city's site):
    # CSP frame-ancestors sources, space-separated; "" keeps the server's (CLAMEUR_FRAME_
    # ANCESTORS). Only `/wall/{slug}` uses it (wall/routes/pages.py).
    frame_ancestors: str = ""
    # The IANA zone the report and the desk show times in (wall/timezones.py checks it);
    # stored times stay UTC (items, exports).
    timezone: str = DEFAULT_TIMEZONE
    created_at: str = field(default_factory=utc_now_iso)

    _LIST_FIELDS = ("hashtags", "languages", "reactions", "mastodon_instances", "sources")

    def to_hash(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in asdict(self).items():
            out[key] = value if isinstance(value, str) else json.dumps(value)
        return out

    @classmethod
    def from_hash(cls, data: dict[str, str]) -> Event:
        kwargs: dict[str, Any] = {}
        for name, spec in cls.__dataclass_fields__.items():
            if name.startswith("_") or name not in data:
                continue
            raw = data[name]
            kwargs[name] = json.loads(raw) if spec.type != "str" else raw
        return cls(**kwargs)

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        return data
