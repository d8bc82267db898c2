"""Every Redis key name Clameur uses, built in one place.

Every key that belongs to an event carries the hash tag ``{slug}`` so that all of an
event's keys live on one Redis Cluster slot and multi-key scripts stay legal.
"""

EVENTS_INDEX = "clameur:events"
# String: where earlier versions kept the key of device cookies and author hashes;
# adopted into the key file and deleted at start-up (wall/keyfile.py).
SECRET = "clameur:secret"
# String: a fingerprint of that key (HMAC of a fixed text), so processes holding different
# keys refuse to start instead of hashing the same phone two ways (wall/store/secret.py).
SECRET_FINGERPRINT = "clameur:secret-fingerprint"


def _k(slug: str, name: str) -> str:
    return f"ev:{{{slug}}}:{name}"


def event_prefix(slug: str) -> str:
    """What every key of the event starts with (a SCAN pattern is this plus `*`)."""
    return _k(slug, "")


def meta(slug: str) -> str:
    """Hash: the event's settings (title, hashtags, mode, status...)."""
    return _k(slug, "meta")


def inbox(slug: str) -> str:
    """Stream: every item received, in arrival order (id, source, source_id)."""
    return _k(slug, "inbox")


def items(slug: str) -> str:
    """Hash: item id -> item JSON body."""
    return _k(slug, "items")


def state(slug: str) -> str:
    """Hash: item id -> pending | approved | rejected | retracted."""
    return _k(slug, "state")


def counts(slug: str) -> str:
    """Hash: how many items are approved / rejected now, kept by the decision script."""
    return _k(slug, "counts")


def decisions(slug: str) -> str:
    """Hash: item id -> JSON of the last decision (action, by, at, rule)."""
    return _k(slug, "decisions")


def pending(slug: str) -> str:
    """Sorted set: pending item ids scored by arrival (ms)."""
    return _k(slug, "pending")


def onwall(slug: str) -> str:
    """Sorted set: approved, not retracted item ids scored by approval (ms)."""
    return _k(slug, "onwall")


def pinned(slug: str) -> str:
    """String: id of the pinned item, absent when none."""
    return _k(slug, "pinned")


def feed(slug: str) -> str:
    """Stream: what walls replay (item, retract, pin, unpin, highlight)."""
    return _k(slug, "feed")


def feed_floor(slug: str) -> str:
    """String: the last feed id trimmed away; `after=` older than it needs a snapshot."""
    return _k(slug, "feed-floor")


def audit(slug: str) -> str:
    """Stream: every decision with who, when and which rule."""
    return _k(slug, "audit")


def seen(slug: str) -> str:
    """Hash: "source:source_id" -> item id, for de-duplication."""
    return _k(slug, "seen")


def tokens(slug: str) -> str:
    """Hash: sha256 of a token -> JSON (id, role, label, created_at)."""
    return _k(slug, "tokens")


def reactions(slug: str) -> str:
    """Hash: reaction kind -> total."""
    return _k(slug, "reactions")


def reactions_stream(slug: str) -> str:
    """Stream: aggregated reaction deltas flushed by every server process."""
    return _k(slug, "rx")


def reactions_timeline(slug: str) -> str:
    """Hash: "minute|kind" -> count, minute as UTC epoch minutes."""
    return _k(slug, "rx-minutes")


def reactions_applied(slug: str) -> str:
    """Hash: server process id -> sequence number of its last tap batch written (a batch
    sent again is not counted twice), expires a day after the last write."""
    return _k(slug, "rx-applied")


def reactions_batch(slug: str, scope: str, batch: str) -> str:
    """String: taps accepted for one client's batch id (`scope`: its device), ten minutes."""
    return _k(slug, f"rx-batch:{scope}:{batch}")


def authors(slug: str) -> str:
    """Hash: author key -> JSON (approved, rejected, banned, trusted)."""
    return _k(slug, "authors")


def all_event_keys(slug: str) -> list[str]:
    """Every fixed key of an event (used by deletion and the Cluster tests)."""
    return [
        meta(slug), inbox(slug), items(slug), state(slug), counts(slug), decisions(slug),
        pending(slug), onwall(slug), pinned(slug), feed(slug), feed_floor(slug), audit(slug),
        seen(slug), tokens(slug), reactions(slug), reactions_stream(slug),
        reactions_timeline(slug), authors(slug),
        questions(slug), question_voters(slug), answers(slug), polls(slug), poll_open(slug),
        poll_current(slug), stage(slug), asks_stream(slug), captions(slug), logo(slug),
    ]


def source_cursor(slug: str, connector: str) -> str:
    """String: where a source connector resumes (X since_id, Mastodon min_id, Jetstream µs)."""
    return _k(slug, f"cursor:{connector}")


def source_status(slug: str) -> str:
    """Hash: connector name -> JSON (state, restarts, last error, at), for operators."""
    return _k(slug, "sources")


def sms_names(slug: str) -> str:
    """Hash: SMS sender key -> nickname chosen with a `NOM Camille` message."""
    return _k(slug, "sms-names")


def sms_optout(slug: str) -> str:
    """Hash: SMS sender key -> "1" after STOP (no more replies), removed by START."""
    return _k(slug, "sms-optout")


def sms_parts(slug: str, sender: str, ref: str) -> str:
    """Hash: part number -> JSON of one part of a concatenated SMS, until all arrived."""
    return _k(slug, f"sms-parts:{sender}:{ref}")


def moderators(slug: str) -> str:
    """Sorted set: connected moderator sockets scored by their last heartbeat (ms)."""
    return _k(slug, "moderators")


def rate(slug: str, limit: str, identity: str) -> str:
    """Counter: one rate-limit window of `identity` (IP, device, phone hash)."""
    return _k(slug, f"rl:{limit}:{identity}")


def report_link(slug: str, digest: str) -> str:
    """String: the token id behind a one-time report link (SHA-256 of its code), 5 min."""
    return _k(slug, f"report-link:{digest}")


def invites(slug: str) -> str:
    """Sorted set: moderator invitation ids by creation (ms) (wall/store/invitations.py)."""
    return _k(slug, "invites")


def invite(slug: str, invite_id: str) -> str:
    """Hash: one moderator invitation (SHA-256 of its code, label, by, times, status, who
    used it, the token it became)."""
    return _k(slug, f"invite:{invite_id}")


def media(slug: str, item_id: str, index: int) -> str:
    """Hash: `type`, `body` of a source image fetched and re-encoded by the server (or
    `error` when it could not be), served from `/media/{slug}/{item}/{index}`."""
    return _k(slug, f"media:{item_id}:{index}")


def logo(slug: str) -> str:
    """Hash: the event's logo file (`type`, `body` in base64, `hash`, `size`), served from
    `/e/{slug}/logo` (wall/store/logo.py)."""
    return _k(slug, "logo")


# Questions and polls (wall/store/questions.py, wall/store/polls.py, wall/store/stage.py).
def questions(slug: str) -> str:
    """Sorted set: every question's item id scored by its upvotes (any state; the list
    shown keeps the approved ones)."""
    return _k(slug, "questions")


def question_voters(slug: str) -> str:
    """Hash: "item id|device" -> 1, one field per upvote (a repeat changes nothing)."""
    return _k(slug, "question-voters")


def answers(slug: str) -> str:
    """Hash: question id -> JSON (answer: answered|follow_up, note, by, at)."""
    return _k(slug, "answers")


def polls(slug: str) -> str:
    """Sorted set: poll ids scored by creation (ms)."""
    return _k(slug, "polls")


def poll(slug: str, poll_id: str) -> str:
    """Hash: a poll's question, type, options (JSON), status and times."""
    return _k(slug, f"poll:{poll_id}")


def poll_ballots(slug: str, poll_id: str) -> str:
    """Hash: voter (device or phone key) -> option index, or the word key of a words poll."""
    return _k(slug, f"poll:{poll_id}:ballots")


def poll_tally(slug: str, poll_id: str) -> str:
    """Hash: option index (or word key) -> votes, kept with the ballots by one script."""
    return _k(slug, f"poll:{poll_id}:tally")


def poll_words(slug: str, poll_id: str) -> str:
    """Hash: word key -> "held" (the word list held it) | "hidden" | "shown" (allowed by a
    moderator); a word absent here shows."""
    return _k(slug, f"poll:{poll_id}:words")


def poll_open(slug: str) -> str:
    """String: the id of the open poll, absent when none is open."""
    return _k(slug, "poll-open")


def poll_current(slug: str) -> str:
    """String: the poll opened last (still shown, with its final results, once closed)."""
    return _k(slug, "poll-current")


def stage(slug: str) -> str:
    """String: what the wall shows: feed | questions | poll."""
    return _k(slug, "stage")


def asks_stream(slug: str) -> str:
    """Stream: `votes` (question ids whose counts or answers changed), `poll` (a poll
    opened, closed or voted on) and `mode` entries, read by the hub."""
    return _k(slug, "asks")


# Captions (wall/store/captions.py).
def captions(slug: str) -> str:
    """Stream: one entry per caption line (`text`, `by`: the captioner token's id), read by
    the hub (`caption` frames) and kept whole as the event's transcript."""
    return _k(slug, "captions")
