"""Hashtag sources (X, Mastodon, Bluesky) run by `clameur ingest`, and SMS helpers.

Each connector lives in its own module and hands what it reads to `deliver()`
(`normalise.py`), which goes through `wall.moderation.intake.accept` like every other item.
"""
