"""Vonage inbound SMS on a real server: signed webhooks, multipart reassembly, retries."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.support.servers import ServerProcess
from tests.support.sms import (
    send_twilio,
    sms_server,  # noqa: F401 - fixture
    twilio_form,
    vonage_params,
    vonage_sign,
)
from tests.support.sources import inbox_items


@pytest.fixture
async def hooks(sms_server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    async with httpx.AsyncClient(base_url=sms_server.url, timeout=10) as client:
        yield client


async def send(http: httpx.AsyncClient, slug: str, params: dict[str, str],
               as_json: bool = False) -> httpx.Response:
    path = f"/hooks/vonage/{slug}"
    if as_json:
        return await http.post(path, content=json.dumps(params),
                               headers={"Content-Type": "application/json"})
    return await http.post(path, data=params)


async def test_a_signed_sms_is_stored_and_a_bad_signature_refused(hooks: httpx.AsyncClient,
                                                                  redis: Redis) -> None:
    """Form or JSON, a valid `sig` stores the SMS; a wrong or missing one is a 403."""
    ev = await make_event(redis)
    forged = vonage_sign(vonage_params("faux"), secret="wrong")
    assert (await send(hooks, ev.slug, forged)).status_code == 403
    assert (await send(hooks, ev.slug, vonage_params("sans signature"))).status_code == 403
    tampered = {**vonage_sign(vonage_params("vrai")), "text": "modifié"}
    assert (await send(hooks, ev.slug, tampered)).status_code == 403
    assert await inbox_items(redis, ev.slug) == []
    assert (await send(hooks, ev.slug, vonage_sign(vonage_params("a=b & c")))).status_code == 204
    res = await send(hooks, ev.slug, vonage_sign(vonage_params("en JSON")), as_json=True)
    assert res.status_code == 204
    items = await inbox_items(redis, ev.slug)
    assert [(i.text, i.author, i.source) for i in items] == [
        ("a=b & c", "SMS ···78", "sms"), ("en JSON", "SMS ···78", "sms")]


async def test_concatenated_parts_are_reassembled_once(hooks: httpx.AsyncClient,
                                                       redis: Redis) -> None:
    """Three parts, out of order and one delivered twice: one item with the whole text."""
    ev = await make_event(redis)
    texts = ["Première partie d'un long message, ", "la deuxième, ", "et la fin."]
    parts = [vonage_params(t, **{"concat": "true", "concat-ref": "17",
                                 "concat-total": "3", "concat-part": str(n + 1)})
             for n, t in enumerate(texts)]
    for part in (parts[2], parts[0], parts[0]):
        assert (await send(hooks, ev.slug, vonage_sign(part))).status_code == 204
    assert await inbox_items(redis, ev.slug) == []
    assert (await send(hooks, ev.slug, vonage_sign(parts[1]))).status_code == 204
    (item,) = await inbox_items(redis, ev.slug)
    assert item.text == "".join(texts)
    assert item.source_id == f"vonage:{parts[0]['messageId']}"
    retry = await send(hooks, ev.slug, vonage_sign(parts[1]))  # a late retry of one part
    assert retry.status_code == 204 and len(await inbox_items(redis, ev.slug)) == 1


async def test_retries_with_the_same_message_id_are_stored_once(hooks: httpx.AsyncClient,
                                                                redis: Redis) -> None:
    """Vonage retries until it gets a 2xx, with the same messageId: one item."""
    ev = await make_event(redis)
    params = vonage_params("une fois")
    for _ in range(3):
        assert (await send(hooks, ev.slug, vonage_sign(params))).status_code == 204
    assert [i.text for i in await inbox_items(redis, ev.slug)] == ["une fois"]


async def test_the_same_phone_is_the_same_author_on_both_providers(hooks: httpx.AsyncClient,
                                                                   redis: Redis) -> None:
    """+33… (Twilio) and 33… (Vonage) hash to one author key: a ban covers both."""
    ev = await make_event(redis)
    await send(hooks, ev.slug, vonage_sign(vonage_params("par Vonage")))
    await send_twilio(hooks, ev.slug, twilio_form("par Twilio"))
    vonage, twilio = await inbox_items(redis, ev.slug)
    assert vonage.author_key == twilio.author_key and vonage.author_key


async def test_stop_and_closed_event_store_nothing(hooks: httpx.AsyncClient,
                                                   redis: Redis) -> None:
    """STOP is not shown; a closed event stores nothing (Vonage replies are not sent)."""
    ev = await make_event(redis)
    assert (await send(hooks, ev.slug, vonage_sign(vonage_params("STOP")))).status_code == 204
    closed = await make_event(redis, status="closed")
    res = await send(hooks, closed.slug, vonage_sign(vonage_params("trop tard")))
    assert res.status_code == 204
    assert await inbox_items(redis, ev.slug) == [] and await inbox_items(redis, closed.slug) == []
