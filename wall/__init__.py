"""Clameur: a self-hostable live wall for conference rooms and civic events."""

__version__ = "0.1.0"
