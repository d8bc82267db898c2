"""Consent of social authors: hashtag posts from accounts that opt out are never ingested
(Mastodon noindex / not discoverable / #nobot, Bluesky `!no-unauthenticated` / #nobot, X
#nobot), and every hashtag post waits for a moderator even in post-moderation unless the
organiser opts in. The fakes answer in the services' wire formats (tests/fakes/)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import make_event
from tests.fakes.bluesky import FakeAppView, FakeJetstream, post_event
from tests.fakes.mastodon import FakeMastodon, account
from tests.fakes.x_api import Author, FakeX
from tests.support.sources import count_at_least, inbox_items
from wall.models import Event
from wall.sources.bluesky import JetstreamConnector, Profiles
from wall.sources.mastodon import MastodonConnector
from wall.sources.settings import SourceSettings
from wall.sources.x import XConnector, make_client, open_session
from wall.store import keys
from wall.store.events import get_event
from wall.tasks import cancel_and_wait

FAST = SourceSettings(mastodon_poll_seconds="0.01")
# How Mastodon writes a hashtag in a profile's note (HTML).
NOBOTS_NOTE = ('<p>Élue locale. <a href="https://piaille.fr/tags/nobots" class="mention '
               'hashtag" rel="tag">#<span>NoBots</span></a></p>')


async def _event(redis: Redis, **settings: object) -> Event:
    ev = await make_event(redis, hashtags=["Clameur"], **settings)
    event = await get_event(redis, ev.slug)
    assert event is not None
    return event


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


async def test_mastodon_authors_who_opt_out_are_never_ingested(
        http: httpx.AsyncClient, redis: Redis) -> None:
    """noindex, discoverable false or never chosen (null), #NoBots in the note, #nobot in
    the display name or among the post's tags, and a boost of such a post: none stored;
    the consenting author's post is, and the cursor still moves past them all."""
    async with FakeMastodon("piaille.fr") as fake:
        ok = fake.post("<p>Pour <span>#clameur</span></p>", ["clameur"],
                       who=account("oui", "Oui", "piaille.fr"))
        refused = [
            fake.post("<p>a</p>", ["clameur"], who=account("a", "A", noindex=True)),
            fake.post("<p>b</p>", ["clameur"], who=account("b", "B", discoverable=False)),
            fake.post("<p>c</p>", ["clameur"], who=account("c", "C", discoverable=None)),
            fake.post("<p>d</p>", ["clameur"], who=account("d", "D", note=NOBOTS_NOTE)),
            fake.post("<p>e</p>", ["clameur"], who=account("e", "Eve #nobot")),
            fake.post("<p>f #clameur #NoBot</p>", ["clameur", "NoBot"],
                      who=account("f", "F")),
        ]
        fake.post("", ["clameur"], reblog=refused[0], who=account("booster", "Booster"))
        last = fake.post("<p>fin</p>", ["clameur"], who=account("oui", "Oui", "piaille.fr"))
        event = await _event(redis, mastodon_instances=[fake.url])
        await MastodonConnector(redis, event, fake.url, http, FAST).poll()
    items = await inbox_items(redis, event.slug)
    assert [i.source_id for i in items] == [ok["uri"], last["uri"]]
    cursor = await redis.get(keys.source_cursor(event.slug, "mastodon:127.0.0.1:clameur"))
    assert cursor == fake.statuses[-1]["id"]


async def test_bluesky_authors_who_opt_out_are_never_ingested(redis: Redis) -> None:
    """A profile self-labelled `!no-unauthenticated`, #nobot in a profile's description, a
    post tagged #nobot: not stored; the other author's post is."""
    event = await _event(redis)
    yes, hidden, bio = ("did:plc:yes000000000000000000", "did:plc:hidden0000000000000000",
                        "did:plc:bio000000000000000000")
    async with FakeJetstream() as js, FakeAppView() as appview, \
            httpx.AsyncClient(timeout=5) as http:
        appview.add(yes, "yes.bsky.social", "Oui")
        appview.add(hidden, "hidden.bsky.social", "Discrète", self_labels=("!no-unauthenticated",))
        appview.add(bio, "bio.bsky.social", "Bio", description="Pas de robots svp #nobot")
        settings = SourceSettings(jetstream_url=js.url, bluesky_appview_url=appview.url)
        connector = JetstreamConnector(redis, event, Profiles(http, appview.url), settings)
        task = asyncio.create_task(connector.run())
        await js.wait_connections(1)
        for did, rkey, text, tags in ((hidden, "1", "#clameur caché", ["clameur"]),
                                      (bio, "2", "#clameur bio", ["clameur"]),
                                      (yes, "3", "#clameur #nobot", ["clameur", "nobot"]),
                                      (yes, "4", "#clameur oui", ["clameur"])):
            await js.publish(post_event(did, rkey, text, js.next_time(), tags=tags))
        (item,) = await count_at_least(redis, event.slug, 1)
        await js.publish(post_event(yes, "5", "#clameur encore", js.next_time(),
                                    tags=["clameur"]))
        items = await count_at_least(redis, event.slug, 2)
        await cancel_and_wait(task)
    assert [i.text for i in items] == ["#clameur oui", "#clameur encore"]
    assert {r.query["actor"] for r in appview.requests} == {yes, hidden, bio}


async def test_x_authors_with_nobot_in_their_profile_are_never_ingested(redis: Redis) -> None:
    """The search asks for the authors' descriptions; #NoBot there (or in the name) keeps
    their tweets out; the others are stored."""
    fake = await FakeX().start()
    settings = SourceSettings(x_bearer_token="test-bearer", x_api_url=fake.url,
                              x_poll_seconds="0.01")
    session = open_session(settings)
    try:
        event = await _event(redis)
        fake.post("#clameur non", author=Author("1", "Anne", "anne", "Militante. #NoBot"))
        fake.post("#clameur non plus", author=Author("2", "Bob #nobot", "bob"))
        fake.post("#clameur oui", author=Author("3", "Chloé", "chloe", "Urbaniste #nobotanist"))
        await XConnector(redis, event, make_client(settings, session), settings).poll()
    finally:
        await session.close()
        await fake.stop()
    assert [i.text for i in await inbox_items(redis, event.slug)] == ["#clameur oui"]
    assert "description" in fake.requests[0].query["user.fields"].split(",")


async def test_hashtag_posts_wait_for_a_moderator_even_in_post_moderation_unless_opted_in(
        http: httpx.AsyncClient, redis: Redis, app_client: httpx.AsyncClient) -> None:
    """Post-moderation: a phone's post is approved at once, a Mastodon post stays pending;
    with `social_post_moderation: follow_mode` it is approved too. The phone page says
    which hashtags it follows and where."""
    async with FakeMastodon("piaille.fr") as fake:
        fake.post("<p>#clameur en attente</p>", ["clameur"])
        waiting = await _event(redis, mode="post", mastodon_instances=[fake.url])
        following = await _event(redis, mode="post", mastodon_instances=[fake.url],
                                 social_post_moderation="follow_mode")
        for event in (waiting, following):
            await MastodonConnector(redis, event, fake.url, http, FAST).poll()
    states = []
    for event in (waiting, following):
        (item,) = await inbox_items(redis, event.slug)
        states.append(await redis.hget(keys.state(event.slug), item.id))
    assert states == ["pending", "approved"]
    res = await app_client.post(f"/api/events/{waiting.slug}/posts", json={"text": "web"})
    assert res.json()["status"] == "approved"
    page = (await app_client.get(f"/e/{waiting.slug}?lang=en")).text
    assert "posts tagged #Clameur on X, Mastodon, Bluesky, once a moderator approves them" \
        in page
    assert "(#nobot, or not discoverable) are never shown" in page
