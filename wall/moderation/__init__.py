"""Moderation: every item's way in (normalise, store once), the automatic rules, the word list."""
