"""After the event on a Redis Cluster: status, export, report, erasure and deletion work
with every key of the event on one slot (SCAN goes through every master)."""

from __future__ import annotations

from redis.asyncio import Redis

from tests.support.seeded import seed_event
from tests.test_cluster import cluster, cluster_redis  # noqa: F401, F811
from tests.test_erase import ZOE_KEY, dump
from wall.reporting.dataset import collect
from wall.reporting.stats import build
from wall.store import keys
from wall.store.erasure import erase_author, rewrite_aof
from wall.store.events import delete_event, get_event, update_event


async def test_lifecycle_export_erase_and_delete_on_a_cluster(
        cluster_redis: Redis) -> None:  # noqa: F811
    """Close, export, report, erase an author (the append-only file of every master
    rewritten), delete the event: no CROSSSLOT, nothing left."""
    redis = cluster_redis
    seeded = await seed_event(redis)
    await update_event(redis, seeded.slug, {"status": "closed"})
    last = await redis.xrevrange(keys.feed(seeded.slug), count=1)
    assert last[0][1]["type"] == "status" and last[0][1]["status"] == "closed"

    ds = await collect(redis, seeded.slug)
    assert ds is not None and {i.id for i in ds.items} == set(seeded.approved)
    event = await get_event(redis, seeded.slug)
    assert event is not None
    assert (await build(redis, event)).moderation.approved == len(seeded.approved)

    done = await erase_author(redis, seeded.slug, ZOE_KEY)
    assert len(done.item_ids) == 2
    left = await dump(redis, seeded.slug)
    assert len(left) > 20, "SCAN must reach the master holding the event's slot"
    assert all(ZOE_KEY not in value for _, value in left)
    assert await rewrite_aof(redis) == 3, "every master rewrites its append-only file"

    await delete_event(redis, seeded.slug)
    assert await dump(redis, seeded.slug) == []
