"""Lua scripts called by their SHA1 (EVALSHA), sent in full only when Redis lacks them.

`EVAL` ships the whole script (the decision script is ~3 KB) and makes Redis hash it on
every call; `EVALSHA` sends 40 characters. After a Redis restart (or on a Cluster node that
never saw the script) the first call gets NOSCRIPT and falls back to `EVAL`, which loads it.
EVALSHA is routed by its first key on a Cluster, like EVAL.
"""

from __future__ import annotations

import hashlib
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError


class LuaScript:
    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    async def __call__(self, redis: Redis, keys: list[str], args: list[Any]) -> Any:
        try:
            return await redis.evalsha(self.sha, len(keys), *keys, *args)  # type: ignore[misc]
        except NoScriptError:
            return await redis.eval(self.source, len(keys), *keys, *args)  # type: ignore[misc]
