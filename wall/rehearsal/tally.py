"""What the simulated room did and what the server answered, counted as it happens."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Post:
    """One post a phone (or an SMS) sent, and what became of it."""

    key: str  # the phone's source_id, or the SMS source_id ("twilio:SM...")
    text: str
    expect: str
    sms: bool = False
    id: str = ""  # from the 202 answer (web posts)
    status: str = ""  # 202's status: approved | pending
    refused: str = ""  # why it was refused: an error code or HTTP status
    sent_at: float = 0.0  # monotonic time of the POST that was answered 202


@dataclass
class Tally:
    started: float = field(default_factory=time.monotonic)
    phones_connected: int = 0
    phones_open: int = 0
    pages: int = 0
    sockets_refused: Counter[str] = field(default_factory=Counter)
    sockets_dropped: Counter[str] = field(default_factory=Counter)
    reconnects: int = 0
    taps_sent: Counter[str] = field(default_factory=Counter)
    taps_refused: int = 0  # over HTTP, answered "accepted: 0" (a limit)
    posts: list[Post] = field(default_factory=list)
    sms_sent: int = 0
    sms_answered: int = 0
    sms_replies: int = 0
    approvals: int = 0
    rejections: int = 0
    approval_conflicts: int = 0
    approved_at: dict[str, float] = field(default_factory=dict)  # by the simulated moderator
    on_wall_at: dict[str, float] = field(default_factory=dict)  # item frames on a wall
    server_errors: Counter[str] = field(default_factory=Counter)

    def error(self, what: str) -> None:
        self.server_errors[what] += 1

    @property
    def taps(self) -> int:
        return sum(self.taps_sent.values())

    def posts_summary(self) -> tuple[int, int, int]:
        """(sent, accepted, refused) so far."""
        accepted = sum(1 for p in self.posts if p.status)
        refused = sum(1 for p in self.posts if p.refused)
        return len(self.posts), accepted, refused
