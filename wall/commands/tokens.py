"""`clameur token create|list|revoke`: moderator, admin and captioner tokens per event."""

from __future__ import annotations

import argparse
import sys

from wall.commands._run import with_redis
from wall.config import Settings
from wall.store.client import Client
from wall.store.events import get_event
from wall.store.tokens import ROLES, TokenInfo, create_token, list_tokens, revoke_token


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    token = sub.add_parser("token", help="manage moderator, admin and captioner tokens")
    t_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = t_sub.add_parser("create", help="issue a token (shown once)")
    create.add_argument("--event", required=True, help="event slug")
    create.add_argument("--role", choices=ROLES, default="moderator",
                        help="moderator (the desk), admin (also the event's settings, "
                             "exports, report) or captioner (may only post captions)")
    create.add_argument("--label", default="", help="who holds it (shown in decisions)")
    create.set_defaults(handler=cmd_create)
    lst = t_sub.add_parser("list", help="list an event's tokens (never their secret)")
    lst.add_argument("--event", required=True)
    lst.set_defaults(handler=cmd_list)
    revoke = t_sub.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("--event", required=True)
    revoke.add_argument("token_id")
    revoke.set_defaults(handler=cmd_revoke)


def cmd_create(args: argparse.Namespace, settings: Settings) -> int:
    async def work(redis: Client) -> tuple[str, TokenInfo] | None:
        if await get_event(redis, args.event) is None:
            return None
        return await create_token(redis, args.event, args.role, args.label)

    result = with_redis(settings, work)
    if result is None:
        print(f"error: no event {args.event!r}", file=sys.stderr)
        return 2
    token, info = result
    print(f"{args.role} token {info.id} for {args.event} (shown once, keep it safe):")
    print(token)
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(redis: Client) -> list[TokenInfo]:
        return await list_tokens(redis, args.event)

    for t in with_redis(settings, work):
        print(f"{t.id}  {t.role:<9} {t.created_at}  {t.label}")
    return 0


def cmd_revoke(args: argparse.Namespace, settings: Settings) -> int:
    async def work(redis: Client) -> bool:
        return await revoke_token(redis, args.event, args.token_id)

    if not with_redis(settings, work):
        print(f"error: no token {args.token_id} for {args.event}", file=sys.stderr)
        return 2
    print(f"revoked {args.token_id}")
    return 0
