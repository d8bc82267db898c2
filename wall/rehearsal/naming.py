"""How a rehearsal's own event is named and recognised.

A rehearsal plays in a copy of the event, `SLUG-rehearsal` (the slug cut to fit 40
characters), titled "Répétition · Rehearsal — <title>". Every rehearsal tap, post and SMS
lands in the copy, so the real event's wall, exports and reports never see one; the copy
itself publishes nothing (`wall/reporting/`). A copy is recognised by both its slug and
its title, so that a real event that happens to end in "-rehearsal" is never taken for one
(nor deleted by `--clean`).
"""

from __future__ import annotations

from wall.models import Event

SUFFIX = "-rehearsal"
TITLE_MARK = "Répétition · Rehearsal — "
MAX_SLUG = 40


def rehearsal_slug(slug: str) -> str:
    """The slug of `slug`'s rehearsal copy."""
    return slug[:MAX_SLUG - len(SUFFIX)].rstrip("-") + SUFFIX


def rehearsal_title(title: str) -> str:
    return TITLE_MARK + title


def is_rehearsal(event: Event) -> bool:
    """True for an event made by `clameur rehearse` (its data is never published)."""
    return event.slug.endswith(SUFFIX) and event.title.startswith(TITLE_MARK)
