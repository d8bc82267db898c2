"""The server's layers stay apart: only the store talks to Redis, every Lua script runs one
way, and route modules do not lean on each other."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from tests.support.servers import ROOT

WALL = ROOT / "wall"
# Outside the store, only the client factory and the embedded Redis launcher know Redis.
REDIS_ALLOWED = {"wall/redis_client.py", "wall/redis_server.py", "wall/embedded.py"}
SCRIPT_RUNNER = "wall/store/scripts.py"
# EVAL / EVALSHA / EVAL_RO called directly, or redis-py's own script objects.
DIRECT_SCRIPT = re.compile(r"\.(?:eval|evalsha|eval_ro|evalsha_ro)\(|register_script")


def _modules(under: Path = WALL) -> Iterator[tuple[str, ast.Module]]:
    """(path relative to the repository, parsed source) of every module under `under`."""
    for path in sorted(under.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), str(path))


def _imports(tree: ast.Module) -> Iterator[str]:
    """Every module a tree imports, with `from x import y` also read as `x.y`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _talks_to_redis(name: str) -> bool:
    return name == "redis" or name.startswith("redis.") or name == "wall.store.keys"


def test_only_the_store_imports_redis_or_the_key_builder() -> None:
    """Outside wall/store/, nothing but the client factory and the Redis launcher imports
    `redis` or `wall.store.keys`."""
    offenders = sorted(
        f"{path}: {name}"
        for path, tree in _modules()
        if not path.startswith("wall/store/") and path not in REDIS_ALLOWED
        for name in set(_imports(tree)) if _talks_to_redis(name))
    assert offenders == []


def test_lua_scripts_run_only_through_the_store_script_runner() -> None:
    """No module but wall/store/scripts.py sends a script by EVAL or registers one with
    redis-py: every script runs by SHA1 with the NOSCRIPT fallback."""
    offenders = sorted(
        f"{path}:{number}: {line.strip()}"
        for path, _ in _modules() if path != SCRIPT_RUNNER
        for number, line in enumerate((ROOT / path).read_text().splitlines(), 1)
        if DIRECT_SCRIPT.search(line))
    assert offenders == []


def test_route_modules_import_no_other_route_module() -> None:
    """A route module imports only the shared helpers (wall/routes/_shared.py) of its
    package, never another route module."""
    offenders = sorted(
        f"{path}: {name}"
        for path, tree in _modules(WALL / "routes")
        for name in set(_imports(tree))
        if name.startswith("wall.routes.") and name.split(".")[2] != "_shared")
    assert offenders == []
