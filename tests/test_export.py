"""Open data export: exactly the approved items, no personal data beyond displayed names."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from redis.asyncio import Redis

from tests.support.seeded import Seeded, seed_event
from tests.support.servers import ROOT
from tests.support.timing import timeout
from wall.reporting.dataset import collect
from wall.reporting.formats import items_csv, reactions_csv, readme, to_json, to_ndjson


def read_csv(data: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte-order mark"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                               delimiter=delimiter))


def spreadsheet_safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def private_markers(seeded: Seeded) -> list[str]:
    """Strings that must never appear in an export: keys, source ids, URLs, hidden items."""
    out = []
    for item in [*seeded.approved.values(), *seeded.hidden.values()]:
        out += [item.author_key or "", item.source_id, item.url or ""]
    for item_id, item in seeded.hidden.items():
        out += [item_id, item.text]
    return [m for m in out if m]


async def test_csv_items_are_exactly_the_approved_ones(redis: Redis) -> None:
    """One row per approved item, with its source, displayed author and text intact."""
    seeded = await seed_event(redis)
    ds = await collect(redis, seeded.slug, "Licence Ouverte 2.0")
    assert ds is not None
    rows = read_csv(items_csv(ds))
    assert list(rows[0]) == ["id", "received_at", "approved_at", "source", "author", "text"]
    assert {r["id"] for r in rows} == set(seeded.approved)
    for row in rows:
        item = seeded.approved[row["id"]]
        assert row["source"] == item.source
        assert row["author"] == item.author
        assert row["text"] == spreadsheet_safe(item.text)
        assert row["received_at"] == item.received_at[:19].replace("T", " ")
        assert row["approved_at"][:4] == item.received_at[:4]
    assert {r["source"] for r in rows} == {"web", "sms", "mastodon", "x", "bluesky"}


async def test_json_and_ndjson_carry_the_exact_text_and_the_licence(redis: Redis) -> None:
    """JSON keeps texts byte for byte (no formula guard), names the licence and columns."""
    seeded = await seed_event(redis)
    ds = await collect(redis, seeded.slug, "ODbL-1.0")
    assert ds is not None
    document = json.loads(to_json(ds, "en"))
    assert document["dataset"]["licence"] == "ODbL-1.0"
    assert set(document["dataset"]["columns"]["items"]) == {
        "id", "received_at", "approved_at", "source", "author", "text"}
    assert {i["id"]: (i["source"], i["author"], i["text"]) for i in document["items"]} == {
        k: (v.source, v.author, v.text) for k, v in seeded.approved.items()}
    lines = [json.loads(line) for line in to_ndjson(ds, "en").splitlines()]
    assert lines[0]["type"] == "dataset" and lines[0]["licence"] == "ODbL-1.0"
    assert [line["id"] for line in lines if line["type"] == "item"] == \
        [i["id"] for i in document["items"]]
    minutes = [line for line in lines if line["type"] == "reactions"]
    assert minutes == [{"type": "reactions", **m} for m in document["reactions_per_minute"]]


async def test_reactions_per_minute_add_up_to_the_totals(redis: Redis) -> None:
    """The per-minute table sums to the event's reaction totals, one column per kind."""
    seeded = await seed_event(redis)
    ds = await collect(redis, seeded.slug)
    assert ds is not None
    rows = read_csv(reactions_csv(ds))
    assert list(rows[0])[0] == "minute" and list(rows[0])[-1] == "total"
    for kind in ("clap", "heart", "laugh", "wow", "question"):
        assert sum(int(r[kind]) for r in rows) == seeded.reactions.get(kind, 0)
    assert sum(int(r["total"]) for r in rows) == sum(seeded.reactions.values())


async def test_no_export_contains_personal_data_or_hidden_items(redis: Redis) -> None:
    """No author key, source id, URL, nor any pending/rejected/retracted item, in any format."""
    seeded = await seed_event(redis)
    ds = await collect(redis, seeded.slug, "Licence Ouverte 2.0")
    assert ds is not None
    outputs = [items_csv(ds).decode(), reactions_csv(ds).decode(), readme(ds, "fr"),
               to_json(ds, "fr"), to_ndjson(ds, "en")]
    for output in outputs:
        for marker in private_markers(seeded):
            assert marker not in output
        assert "author_key" not in output and "source_id" not in output


async def test_csv_is_readable_by_spreadsheets(redis: Redis) -> None:
    """BOM, CRLF rows, quoted newlines, accents intact; `;` works for French-locale Excel."""
    seeded = await seed_event(redis)
    ds = await collect(redis, seeded.slug)
    assert ds is not None
    data = items_csv(ds, ";")
    assert data.count(b"\r\n") >= len(seeded.approved) + 1
    assert "Élodie 🌿".encode() in data and "àéîõü ç".encode() in data
    rows = read_csv(data, ";")
    texts = {r["text"] for r in rows}
    assert 'Citation: "oui, mais",\nsuite' in texts
    assert "'=HYPERLINK(\"http://x\") n'est pas une formule" in texts


async def test_export_routes_need_an_admin_token(redis: Redis, http: httpx.AsyncClient) -> None:
    """401 without a token, 403 with a moderator's, 200 and the same data with an admin's."""
    from wall.store.tokens import create_token

    seeded = await seed_event(redis)
    mod, _ = await create_token(redis, seeded.slug, "moderator")
    url = f"/api/events/{seeded.slug}/export.csv"
    assert (await http.get(url)).status_code == 401
    assert (await http.get(url, headers={"Authorization": f"Bearer {mod}"})).status_code == 403
    admin = {"Authorization": f"Bearer {seeded.admin_token}"}
    res = await http.get(url, headers=admin)
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    assert "attachment" in res.headers["content-disposition"]
    assert {r["id"] for r in read_csv(res.content)} == set(seeded.approved)
    res = await http.get(url, params={"table": "reactions"}, headers=admin)
    assert sum(int(r["total"]) for r in read_csv(res.content)) == sum(seeded.reactions.values())
    res = await http.get(f"/api/events/{seeded.slug}/export.json",
                         params={"licence": "Licence Ouverte 2.0"}, headers=admin)
    assert res.json()["dataset"]["licence"] == "Licence Ouverte 2.0"
    assert {i["id"] for i in res.json()["items"]} == set(seeded.approved)


def test_cli_writes_items_reactions_and_readme(redis_url: str, tmp_path: Path) -> None:
    """`clameur export --format csv` writes three files; `--format json` a single document."""
    import asyncio

    from wall.redis_client import connect

    async def seed() -> Seeded:
        client = connect(redis_url)
        try:
            return await seed_event(client)
        finally:
            await client.aclose()

    seeded = asyncio.run(seed())
    run_cli(redis_url, "export", seeded.slug, "--format", "csv", "--licence", "ODbL-1.0",
            "--lang", "en", "--output", str(tmp_path / "debat.csv"))
    assert {p.name for p in tmp_path.iterdir()} == {"debat.csv", "debat-reactions.csv",
                                                     "debat-questions.csv",
                                                     "debat-transcript.csv", "debat-README.md"}
    assert {r["id"] for r in read_csv((tmp_path / "debat.csv").read_bytes())} == \
        set(seeded.approved)
    about = (tmp_path / "debat-README.md").read_text()
    assert "ODbL-1.0" in about and "`author`" in about and "debat-reactions.csv" in about
    out = run_cli(redis_url, "export", seeded.slug, "--format", "json")
    assert {i["id"] for i in json.loads(out)["items"]} == set(seeded.approved)


def run_cli(redis_url: str, *args: str) -> str:
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "wall", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout(30))
    assert done.returncode == 0, done.stderr
    return done.stdout
