"""Volunteers invited by QR: a one-time link opens the browser desk signed in (no token
typed, none in a URL), once; expired, revoked or unknown invitations give nothing."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import Browser, expect
from redis.asyncio import Redis

from tests.conftest import EventFixture
from tests.support.browser import browser_fixture, open_page, screenshot  # noqa: F401
from tests.support.cli import clameur
from tests.support.servers import ServerProcess
from tests.support.timing import timeout
from tests.test_desk_web import WebDeskProcess
from wall.store import keys
from wall.store.tokens import list_tokens, verify_token


@pytest.fixture(name="web_desk")
def web_desk_fixture(server: ServerProcess) -> Iterator[WebDeskProcess]:
    """`clameur moderate --web` against the test server, stopped after the test."""
    desk = WebDeskProcess(server)
    yield desk
    desk.stop()


def _admin(event: EventFixture) -> dict[str, str]:
    return {"Authorization": f"Bearer {event.admin_token}"}


@pytest.mark.browser
async def test_an_invitation_link_opens_the_browser_desk_signed_in_once(
        browser: Browser, server: ServerProcess, event: EventFixture, redis: Redis,
        web_desk: WebDeskProcess) -> None:
    """The link opens the desk in Chromium with no token typed or in the address; a second
    open gets an "already used" page; the list says who used it."""
    async with httpx.AsyncClient(base_url=server.url, timeout=timeout()) as http:
        made = await http.post(f"/api/events/{event.slug}/invitations", headers=_admin(event),
                               json={"expires": "2h", "label": "Camille"})
        assert made.status_code == 201, made.text
        code = made.json()["code"]
        await web_desk.wait_ready()
        link = f"{web_desk.url}/invite/{code}"
        page, _ = await open_page(browser, link, csp=False)
        await expect(page.locator(".textual-terminal")).to_be_visible()
        assert page.url == f"{web_desk.url}/"

        async def desk_online() -> None:
            while not await redis.zcard(keys.moderators(event.slug)):
                await asyncio.sleep(0.1)

        await asyncio.wait_for(desk_online(), timeout(30))
        await page.wait_for_timeout(1500)  # the queue's first paint in the terminal
        await screenshot(page, "desk-web-invited")
        again, _ = await open_page(browser, link, csp=False)
        await expect(again.locator(".error")).to_contain_text("déjà servi")  # fr-FR browser
        await screenshot(again, "desk-web-invitation-used")
        listed = (await http.get(f"/api/events/{event.slug}/invitations",
                                 headers=_admin(event))).json()["invitations"]
    assert [(i["label"], i["state"], i["used_by"]) for i in listed] == \
        [("Camille", "used", "127.0.0.1")]
    assert listed[0]["used_at"]
    labels = [t.label for t in await list_tokens(redis, event.slug)]
    assert labels.count("invitation Camille") == 1
    output = web_desk.stop()
    assert code not in output


async def test_expired_revoked_and_unknown_invitations_give_nothing(
        app_client: httpx.AsyncClient, event: EventFixture, redis: Redis) -> None:
    """Redeeming an expired, revoked or unknown code answers 410/404 and makes no token;
    revoking a used invitation revokes the token it became."""
    async def invite() -> tuple[str, str]:
        res = await app_client.post(f"/api/events/{event.slug}/invitations",
                                    headers=_admin(event), json={"expires": "30m"})
        assert res.status_code == 201, res.text
        return res.json()["code"], res.json()["invitation"]["id"]

    async def redeem(code: str) -> httpx.Response:
        return await app_client.post("/api/invitations/redeem",
                                     json={"code": code, "used_by": "10.0.0.7"})

    tokens_before = len(await list_tokens(redis, event.slug))
    expired, expired_id = await invite()
    await redis.hset(keys.invite(event.slug, expired_id), "expires", "1")  # long ago
    revoked, revoked_id = await invite()
    gone = await app_client.delete(f"/api/events/{event.slug}/invitations/{revoked_id}",
                                   headers=_admin(event))
    assert gone.status_code == 200
    assert (await redeem(expired)).json()["error"] == "expired"
    assert (await redeem(revoked)).status_code == 410
    assert (await redeem(revoked)).json()["error"] == "revoked"
    assert (await redeem(f"{event.slug}.not-a-code")).status_code == 404
    assert (await redeem("no-dot")).status_code == 404
    assert len(await list_tokens(redis, event.slug)) == tokens_before

    used, used_id = await invite()
    first = await redeem(used)
    assert first.status_code == 200 and first.json()["event"] == event.slug
    token = first.json()["token"]
    assert (await verify_token(redis, token)) is not None
    assert (await redeem(used)).json()["error"] == "used"
    await app_client.delete(f"/api/events/{event.slug}/invitations/{used_id}",
                            headers=_admin(event))
    assert await verify_token(redis, token) is None
    states = {i["id"]: i["state"] for i in (await app_client.get(
        f"/api/events/{event.slug}/invitations", headers=_admin(event))).json()["invitations"]}
    assert states == {expired_id: "expired", revoked_id: "revoked", used_id: "revoked"}


async def test_only_an_admin_invites_and_durations_are_checked(
        app_client: httpx.AsyncClient, event: EventFixture) -> None:
    """A moderator token cannot invite (403); a duration past 7 days or unreadable is a 422
    naming the field."""
    url = f"/api/events/{event.slug}/invitations"
    moderator = {"Authorization": f"Bearer {event.token}"}
    assert (await app_client.post(url, headers=moderator, json={})).status_code == 403
    assert (await app_client.get(url, headers=moderator)).status_code == 403
    for bad in ("8d", "soon", 0, True):
        res = await app_client.post(url, headers=_admin(event), json={"expires": bad})
        assert res.status_code == 422 and res.json()["detail"][0]["field"] == "expires"


async def test_cli_invite_prints_a_desk_link_lists_and_revokes(
        event: EventFixture, redis_url: str) -> None:
    """`clameur invite create` prints the link to the browser desk; `list` shows it open;
    `revoke` takes it back."""
    env = {"REDIS_URL": redis_url}
    made = clameur("invite", "create", event.slug, "--expires", "1h", "--label", "Sam",
                   "--desk", "http://192.0.2.10:8001/", env=env)
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip().splitlines()[-1]
    assert link.startswith(f"http://192.0.2.10:8001/invite/{event.slug}.")
    # Expiries in the event's zone (Europe/Paris by default), whatever this machine's.
    listed = clameur("invite", "list", event.slug, env={**env, "TZ": "Asia/Tokyo"}).stdout
    invite_id = listed.split()[0]
    assert "open" in listed and "Sam" in listed
    assert re.search(r"until \d{4}-\d\d-\d\d \d\d:\d\d CES?T ", listed), listed
    assert clameur("invite", "revoke", event.slug, invite_id, env=env).returncode == 0
    assert "revoked" in clameur("invite", "list", event.slug, env=env).stdout
    assert clameur("invite", "create", event.slug, "--expires", "9d", env=env).returncode == 2
