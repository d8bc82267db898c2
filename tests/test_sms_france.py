"""SMS in France: French mobile numbers get no automated reply but the help text (with the
charter) they ask for by keyword; other numbers keep their replies. Signed Twilio webhooks
on a real server left at the default `CLAMEUR_SMS_FRENCH_REPLIES`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.support.servers import ServerProcess
from tests.support.sms import TWILIO_TOKEN, send_twilio, twilio_form
from tests.support.sources import inbox_items
from wall.store import keys
from wall.store.events import update_event

PUBLIC = "https://debat.example"
FRENCH, OVERSEAS, BELGIAN = "+33612345678", "+262692123456", "+32470345678"


@pytest.fixture(scope="module")
def french_server(redis_url: str) -> Iterator[ServerProcess]:
    """A server with the providers' secrets and the default for French numbers."""
    proc = ServerProcess(redis_url=redis_url, env={"TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                                                   "CLAMEUR_PUBLIC_URL": PUBLIC}).start()
    yield proc
    proc.stop()


@pytest.fixture
async def hooks(french_server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=french_server.url, timeout=10) as client:
        yield client


async def sms(hooks: httpx.AsyncClient, slug: str, body: str, phone: str) -> str | None:
    """Send like Twilio (signed over the public URL); the <Message>, None when empty."""
    res = await send_twilio(hooks, slug, twilio_form(body, phone=phone),
                            signed_url=f"{PUBLIC}/hooks/twilio/{slug}")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/xml")
    if "<Message>" not in res.text:
        assert res.text.endswith("<Response></Response>"), res.text
        return None
    return res.text.split("<Message>")[1].split("</Message>")[0]


async def test_a_french_mobile_gets_an_empty_answer_for_an_ordinary_message(
        hooks: httpx.AsyncClient, redis: Redis) -> None:
    """An ordinary SMS, a nickname and a message to a closed event from +33 6… (and from an
    overseas French mobile): stored or handled, answered with an empty <Response/>."""
    ev = await make_event(redis)
    assert await sms(hooks, ev.slug, "Plus de bancs place du marché", FRENCH) is None
    assert await sms(hooks, ev.slug, "NOM Camille", FRENCH) is None
    assert await sms(hooks, ev.slug, "Et des arbres", OVERSEAS) is None
    items = await inbox_items(redis, ev.slug)
    assert [i.text for i in items] == ["Plus de bancs place du marché", "Et des arbres"]
    assert list((await redis.hgetall(keys.sms_names(ev.slug))).values()) == ["Camille"]
    other = await make_event(redis, status="closed")
    assert await sms(hooks, other.slug, "trop tard", FRENCH) is None


async def test_aide_gets_the_help_text_with_the_charter_in_the_senders_language(
        hooks: httpx.AsyncClient, redis: Redis) -> None:
    """AIDE / CHARTE: the help text in French with the charter's summary and the event
    page; HELP in English; nothing stored. A custom charter gives its first line."""
    ev = await make_event(redis)
    await update_event(redis, ev.slug, {"title": "Débat du quartier"})
    aide = await sms(hooks, ev.slug, "AIDE", FRENCH)
    assert aide is not None
    assert aide.startswith("Débat du quartier : vos messages à ce numéro s'affichent sur le "
                           "mur une fois validés par la modération.")
    assert "NOM Camille" in aide and "Charte : respect de chacun" in aide
    assert f"{PUBLIC}/e/{ev.slug}" in aide
    help_en = await sms(hooks, ev.slug, "help", FRENCH)
    assert help_en is not None and "Charter: respect everyone" in help_en
    assert await sms(hooks, ev.slug, "Charte", OVERSEAS) == aide
    assert await inbox_items(redis, ev.slug) == []
    custom = await make_event(redis, charter={"fr": "Respect et écoute.\nDeuxième ligne."})
    text = await sms(hooks, custom.slug, "AIDE", FRENCH)
    assert text is not None and "Respect et écoute." in text and "Deuxième" not in text


async def test_other_numbers_keep_their_replies(hooks: httpx.AsyncClient,
                                                redis: Redis) -> None:
    """A Belgian mobile still gets the ordinary acknowledgement."""
    ev = await make_event(redis)
    reply = await sms(hooks, ev.slug, "Bonjour, une question sur le budget", BELGIAN)
    assert reply == "Merci ! Votre message sera affiché après modération."
