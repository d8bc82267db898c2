"""Source images fetched by the server, so that no viewer talks to a third party.

An image of an approved item is fetched the first time a wall asks for it
(`/media/{slug}/{item}/{n}`, wall/routes/media.py), not when the item arrives: images of
items that are never shown are never downloaded. Then:

- only `http(s)` URLs, at most MAX_REDIRECTS redirects, each hop's host resolved and
  refused unless every address is public (no loopback, private, link-local... unless
  `CLAMEUR_MEDIA_PRIVATE_HOSTS` names it), and the connection made to the address checked
  (the name kept for `Host` and TLS), so a Mastodon status cannot make the server call
  its own network;
- at most MAX_SOURCE_BYTES, a `Content-Type` among JPEG, PNG, GIF and WebP, FETCH_SECONDS
  for the whole exchange;
- decoded by Pillow (at most MAX_PIXELS), turned upright from its EXIF orientation, scaled
  to MAX_SIDE and re-encoded as a JPEG without any metadata (EXIF, GPS, comments);
- kept in Redis (wall/store/media.py) for a day; a failure is kept for ten minutes.

One fetch per image at a time in a process (others wait for it).
"""

from __future__ import annotations

import asyncio
import io
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable

import httpx
from PIL import Image, ImageOps

from wall.store.client import Client
from wall.store.media import Stored, cached, keep, keep_failure, shown_media_url

log = logging.getLogger("clameur.media")

MAX_SOURCE_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
FETCH_SECONDS = 15.0
MAX_REDIRECTS = 3
TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
OUTPUT_TYPE = "image/jpeg"


class Unusable(Exception):
    """The source gave no image we will show; the message says why (kept, logged)."""


def _allowed_networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = []
    for entry in (e.strip() for e in spec.split(",")):
        if entry:
            try:
                out.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                continue
    return out


async def public_address(host: str, port: int, private_hosts: str) -> str:
    """An address of `host` to connect to, when every address it has is public (or allowed
    by CLAMEUR_MEDIA_PRIVATE_HOSTS); raises Unusable otherwise."""
    allowed = _allowed_networks(private_hosts)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Unusable(f"cannot resolve {host}") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses:
        raise Unusable(f"cannot resolve {host}")
    for address in addresses:
        if not address.is_global and not any(address in net for net in allowed):
            raise Unusable(f"{host} is not a public address")
    return str(addresses[0])


async def _download(url: str, private_hosts: str) -> bytes:
    target = httpx.URL(url)
    async with httpx.AsyncClient(timeout=FETCH_SECONDS, follow_redirects=False,
                                 trust_env=False) as http:
        for _ in range(MAX_REDIRECTS + 1):
            if target.scheme not in ("http", "https") or not target.host:
                raise Unusable("not an http(s) URL")
            port = target.port or (443 if target.scheme == "https" else 80)
            address = await public_address(target.host, port, private_hosts)
            pinned = target.copy_with(host=address)
            request = http.build_request(
                "GET", pinned, headers={"Host": target.netloc.decode("ascii"),
                                        "Accept": ", ".join(sorted(TYPES))},
                extensions={"sni_hostname": target.host})
            response = await http.send(request, stream=True)
            try:
                if response.is_redirect and "location" in response.headers:
                    target = target.join(response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise Unusable(f"source answered {response.status_code}")
                ctype = response.headers.get("content-type", "").split(";")[0].strip()
                if ctype.lower() not in TYPES:
                    raise Unusable(f"not an image we show ({ctype or 'no type'})")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > MAX_SOURCE_BYTES:
                    raise Unusable("image too large")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_SOURCE_BYTES:
                        raise Unusable("image too large")
                return bytes(body)
            finally:
                await response.aclose()
    raise Unusable("too many redirects")


def reencode(raw: bytes) -> bytes:
    """The image upright, at most MAX_SIDE, as a JPEG with no metadata at all."""
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format not in FORMATS:
                raise Unusable(f"not an image we show ({image.format})")
            if image.width * image.height > MAX_PIXELS:
                raise Unusable("image too large")
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a smaller scale
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((MAX_SIDE, MAX_SIDE))
            if upright.mode in ("RGBA", "LA", "P"):
                rgba = upright.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                upright = flat
            elif upright.mode != "RGB":
                upright = upright.convert("RGB")
            out = io.BytesIO()
            # A fresh image object carries no info dict: nothing but pixels is written.
            Image.frombytes("RGB", upright.size, upright.tobytes()).save(
                out, "JPEG", quality=85, optimize=True)
            return out.getvalue()
    except Unusable:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise Unusable("unreadable image") from exc


class MediaProxy:
    """Fetches and keeps source images for one server process (single flight per image)."""

    def __init__(self, redis: Client, private_hosts: str = "") -> None:
        self.redis = redis
        self.private_hosts = private_hosts
        self.inflight: dict[tuple[str, str, int], asyncio.Future[Stored | None]] = {}

    async def image(self, slug: str, item_id: str, index: int) -> Stored | None:
        """The image to serve, or None (not shown, or the source gave nothing usable)."""
        url = await shown_media_url(self.redis, slug, item_id, index)
        if url is None:
            return None
        found = await cached(self.redis, slug, item_id, index)
        if isinstance(found, Stored):
            return found
        if isinstance(found, str):
            return None  # failed a moment ago: not asked of the source again yet
        return await self._once((slug, item_id, index), lambda: self._make(slug, item_id,
                                                                            index, url))

    async def _once(self, key: tuple[str, str, int],
                    make: Callable[[], Awaitable[Stored | None]]) -> Stored | None:
        if key in self.inflight:
            return await asyncio.shield(self.inflight[key])
        future: asyncio.Future[Stored | None] = asyncio.get_running_loop().create_future()
        self.inflight[key] = future
        try:
            result = await make()
            future.set_result(result)
            return result
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when none waits
            raise
        finally:
            del self.inflight[key]

    async def _make(self, slug: str, item_id: str, index: int, url: str) -> Stored | None:
        try:
            raw = await asyncio.wait_for(_download(url, self.private_hosts), FETCH_SECONDS)
            stored = Stored(OUTPUT_TYPE, await asyncio.to_thread(reencode, raw))
        except (Unusable, httpx.HTTPError, TimeoutError) as exc:
            reason = str(exc) or type(exc).__name__
            log.info("%s: image %s/%d not shown: %s", slug, item_id, index, reason)
            await keep_failure(self.redis, slug, item_id, index, reason)
            return None
        await keep(self.redis, slug, item_id, index, stored)
        return stored
