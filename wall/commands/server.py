"""`clameur serve`: the web server (`clameur up` lives in `wall/commands/up.py`)."""

from __future__ import annotations

import argparse
import copy
import gc
import signal
import sys
from typing import Any

import uvicorn

from wall.app import create_app
from wall.config import Settings
from wall.embedded import redis_for
from wall.httpguard import configure, raise_file_limit
from wall.keyfile import secret_path
from wall.workers import (
    STARTUP_FAILURE,
    Supervisor,
    WorkerServer,
    check_port,
    reuse_port_socket,
    worker_count,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the web server (Procfile: web)")
    serve.add_argument("--host", help="listen address (CLAMEUR_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (PORT, default 8000)")
    serve.add_argument("--workers", metavar="N|auto",
                       help="server processes sharing the port: a number, or auto for one "
                            "per core (CLAMEUR_WORKERS, default 1; docs/operations.md)")
    # Internal: how the supervisor (wall/workers.py) starts each worker.
    serve.add_argument("--worker-ready-fd", type=int, help=argparse.SUPPRESS)
    serve.set_defaults(handler=cmd_serve)


def log_config() -> dict[str, Any]:
    """uvicorn's logging, plus the server's own `clameur.*` loggers at INFO through the same
    handler (an SMS answered, a phone gone mid-post): without it they printed nothing."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["clameur"] = {"handlers": ["default"], "level": "INFO",
                                    "propagate": False}
    return config


def _uvicorn_config(settings: Settings, url: str, host: str, port: int) -> uvicorn.Config:
    # configure: request heads capped (431) and timed (408), see wall/httpguard.py.
    return configure(uvicorn.Config(
        create_app(settings, redis_url=url), host=host, port=port, log_level="info",
        log_config=log_config(),
        access_log=settings.access_log.strip().lower() in ("1", "true", "yes", "on"),
        proxy_headers=True, forwarded_allow_ips=settings.trusted_proxies, lifespan="on",
        ws_max_size=64 * 1024, server_header=False,
        # No permessage-deflate: a compression context per socket costs far more memory
        # and CPU than it saves on small JSON frames when thousands of phones listen.
        ws_per_message_deflate=False,
        # A client that never completes its closing handshake must not hold a restart.
        timeout_graceful_shutdown=3,
    ), settings)


def _exit_on_sigterm() -> None:
    """uvicorn re-raises SIGTERM after its graceful shutdown: turn it into SystemExit so
    the embedded Redis is stopped by the `with` block, not orphaned."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    host = args.host or settings.host
    port = args.port if args.port is not None else int(settings.port)
    try:
        count = worker_count(args.workers if args.workers is not None else settings.workers)
    except ValueError as exc:
        print(f"clameur serve: {exc}", file=sys.stderr)
        return 2
    _exit_on_sigterm()
    raise_file_limit()
    if args.worker_ready_fd is not None:
        return _serve_worker(settings, host, port, args.worker_ready_fd)
    if count > 1:
        try:  # before Redis starts: a port in use fails at once
            check_port(host, port)
        except OSError as exc:
            print(f"clameur serve: cannot listen on {host}:{port}: {exc.strerror}",
                  file=sys.stderr)
            return STARTUP_FAILURE
    with redis_for(settings) as url:
        if count > 1:
            return _supervise(args, settings, url, host, port, count)
        server = uvicorn.Server(_uvicorn_config(settings, url, host, port))
        tune_gc()
        # Server.run, not asyncio.run(server.serve()): only run() installs uvloop.
        server.run()
    return 0


def _supervise(args: argparse.Namespace, settings: Settings, url: str, host: str, port: int,
               count: int) -> int:
    """`count` workers on `host:port`, all given this process's Redis (an embedded one is
    started once, here) and the same settings (wall/workers.py)."""
    options = ["--config", args.config] if args.config else []
    command = [sys.executable, "-m", "wall", *options, "--data-dir", settings.data_dir,
               "serve", "--host", host, "--port", str(port)]
    # Workers hold the key file this process would use, whatever --data-dir said.
    env = {"REDIS_URL": url, "CLAMEUR_SECRET_FILE": str(secret_path(settings))}
    return Supervisor(command, env, count).run()


def _serve_worker(settings: Settings, host: str, port: int, ready_fd: int) -> int:
    """One worker of a supervisor: the port bound with SO_REUSEPORT, readiness told on
    `ready_fd`; REDIS_URL comes from the supervisor."""
    try:
        sock = reuse_port_socket(host, port)
    except OSError as exc:
        print(f"clameur serve: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return STARTUP_FAILURE
    with redis_for(settings) as url:
        server = WorkerServer(_uvicorn_config(settings, url, host, port), ready_fd)
        tune_gc()
        server.run(sockets=[sock])
    return 0 if server.started else STARTUP_FAILURE


def tune_gc() -> None:
    """Keep the cycle collector off the request path (measured, docs/performance.md).

    Under load a full collection walked every object made at import (modules, the word
    lists): 16 of them in 10 s of posts, up to 55 ms each, the worst of the p99. Frozen, they
    are never walked again. The first generation at 700 objects was collected ~90 times a
    second, mostly over requests still in flight that reference counting frees a moment
    later; at 10,000 it is collected a few times a minute, and true garbage cycles still go.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
