"""`clameur secret`: the key's fingerprint, and `--rotate` to change the key on purpose."""

from __future__ import annotations

import argparse
import secrets
import sys

from wall.commands._run import with_redis
from wall.config import Settings
from wall.keyfile import SecretError, process_secret, read_secret, secret_path
from wall.private import write_private
from wall.store.client import Client
from wall.store.secret import fingerprint, replace_fingerprint

CONSEQUENCES = """\
Rotating the key, between events rather than during one:
  - phones get new device cookies: rate limits and trusted/banned web authors start afresh;
  - SMS senders get new author keys: their bans, trust and nicknames no longer match;
  - --phone erasure finds only what was hashed with the current key (older items are still
    erased by their author key, which moderators see).
Stop every process of this wall first; start them again with the new key."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("secret", help="show the key's fingerprint, or rotate the key")
    p.add_argument("--rotate", action="store_true",
                   help="a new key file (or the CLAMEUR_SECRET now set), recorded in Redis")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=cmd_secret)


def cmd_secret(args: argparse.Namespace, settings: Settings) -> int:
    if args.rotate:
        return _rotate(args, settings)

    async def show(redis: Client) -> str:
        try:
            secret = await process_secret(redis, settings, create=False)
        except SecretError as exc:
            return f"error: {exc}"
        return f"key fingerprint {fingerprint(secret)} (the same in Redis)"

    said = with_redis(settings, show)
    print(said, file=sys.stderr if said.startswith("error") else sys.stdout)
    return 2 if said.startswith("error") else 0


def _rotate(args: argparse.Namespace, settings: Settings) -> int:
    print(CONSEQUENCES)
    if not args.yes and input("rotate the key? [y/N] ").strip().lower() != "y":
        return 1
    if settings.secret:
        secret, where = settings.secret, "CLAMEUR_SECRET"
    else:
        path = secret_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, secrets.token_hex(32) + "\n")
        secret, where = read_secret(path), str(path)

    async def record(redis: Client) -> str:
        return await replace_fingerprint(redis, secret)

    before = with_redis(settings, record)
    print(f"key of {where} recorded: fingerprint {fingerprint(secret)} "
          f"(was {before or 'none'}); give it to every process of this wall")
    return 0
