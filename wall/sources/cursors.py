"""Comparing connector cursors (kept in the store by wall/store/ingest.py)."""

from __future__ import annotations


def newer(a: str, b: str | None) -> bool:
    """Whether numeric id `a` is after `b` (X and Mastodon ids are decimal snowflakes)."""
    if b is None:
        return True
    return (len(a), a) > (len(b), b)
