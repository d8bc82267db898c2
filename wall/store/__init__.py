"""The Redis-streams store: every item, decision and reaction goes through here."""
