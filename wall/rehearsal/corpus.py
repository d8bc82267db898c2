"""The messages simulated phones and SMS senders post: `corpus.json`, shipped in the package
(found with importlib.resources, from a checkout or a wheel alike)."""

from __future__ import annotations

import importlib.resources
import json
import random
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Message:
    lang: str
    text: str
    question: bool = False
    expect: str = ""  # "blocked": the default word list must hold it; "too_long": a 422


@dataclass(frozen=True)
class Corpus:
    authors: tuple[str, ...]
    messages: tuple[Message, ...]

    def pick(self, rng: random.Random, long_ones: bool = True) -> Message:
        """A message at random; `long_ones=False` skips those over the length limit (an
        SMS provider would have split them, a phone page refuses them)."""
        while True:
            message = rng.choice(self.messages)
            if long_ones or message.expect != "too_long":
                return message

    def author(self, rng: random.Random) -> str:
        return rng.choice(self.authors)


@cache
def load() -> Corpus:
    raw = (importlib.resources.files("wall.rehearsal") / "corpus.json").read_text("utf-8")
    data = json.loads(raw)
    return Corpus(authors=tuple(data["authors"]),
                  messages=tuple(Message(**m) for m in data["messages"]))
