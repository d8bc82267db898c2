"""Source images served from the wall's own origin: `GET /media/{slug}/{item}/{index}`.

The wall page builds this path from a frame's item id and the image's index (the frame
still names the source `url`, which no page loads), and the CSP allows images from
`'self'` and `data:` only: a projector or a phone never contacts the site an image came
from. What is served is the server's re-encoded copy (wall/media.py), for approved items
only (and sensitive ones once revealed).
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wall.appstate import app_state
from wall.http import NotFound
from wall.models import valid_slug

MAX_INDEX = 10
_ITEM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


async def source_image(request: Request) -> Response:
    """The image, or 404 (unknown, not shown, or the source gave nothing usable)."""
    slug, item_id = request.path_params["slug"], request.path_params["item"]
    index = request.path_params["index"]
    if not (valid_slug(slug) and _ITEM_ID.fullmatch(item_id) and 0 <= index < MAX_INDEX):
        raise NotFound("no_media", "no such image")
    image = await app_state(request).media.image(slug, item_id, index)
    if image is None:
        raise NotFound("no_media", "no such image")
    # Private: a taken-down image must not live on in a shared cache.
    return Response(image.body, media_type=image.media_type,
                    headers={"Cache-Control": "private, max-age=300"})


routes = [Route("/media/{slug}/{item}/{index:int}", source_image, methods=["GET"])]
