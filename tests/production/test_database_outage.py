"""An API process while its PostgreSQL is stopped and started again: clean 503s, then recovery.

A real ``editorial serve`` against a private cluster (the shared server is never stopped). The
production harness restarts PostgreSQL at a moment the load decides; this test stops it for as
long as it takes to ask, so every kind of request meets the outage.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest

from bench.harness import free_port
from bench.production import seed
from bench.production_cluster import ClusterUnavailable, PrivateCluster
from bench.production_fleet import FLEET_ENV, Process
from bench.production_load import Tokens
from editorial.db import Database
from editorial.db.migrate import upgrade
from editorial.settings import Settings
from tests.conftest import BACKEND, IN_CI

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "postgresql", reason="the production shape runs on PostgreSQL"),
]


@dataclass
class Outage:
    before: list[httpx.Response]
    during: list[httpx.Response]
    after: list[httpx.Response]
    log: str


def requests(client: httpx.Client, tokens: Tokens, article_id: int) -> list[httpx.Response]:
    """A read, a list, a save and a transition, each through the principal dependency and the session."""
    editor = {"Authorization": f"Bearer {tokens.editor}"}
    writer = {"Authorization": f"Bearer {tokens.writers[0]}"}
    return [
        client.get(f"/api/v1/articles/{article_id}", headers=editor),
        client.get("/api/v1/worklist", headers=editor),
        client.put(
            f"/api/v1/articles/{article_id}",
            headers={**writer, "If-Match": '"r1"'},
            json={"body": f"Saved at {datetime.now(UTC).isoformat()}."},
        ),
        client.post(f"/api/v1/articles/{article_id}/workflow/submit", headers=writer),
    ]


@pytest.fixture(scope="module")
def outage() -> Iterator[Outage]:
    try:
        cluster = PrivateCluster().start()
    except ClusterUnavailable as error:
        message = f"cannot start a private PostgreSQL cluster: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    logs = Path(tempfile.mkdtemp(prefix="editorial-outage-"))
    try:
        with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=postgres", autocommit=True) as conn:
            conn.execute('CREATE DATABASE "editorial"')
        url = cluster.url.rsplit("/", 1)[0] + "/editorial"
        upgrade(url)
        db = Database(Settings(database_url=url))
        tokens, _ = seed(db, {})
        db.dispose()
        env = {**os.environ, **FLEET_ENV, "EDITORIAL_DATABASE_URL": url}
        port = free_port()
        server = Process("api", ["serve", "--port", str(port), "--no-demo"], env, logs, port)
        server.start()
        try:
            server.wait_ready()
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                created = client.post(
                    "/api/v1/articles",
                    headers={"Authorization": f"Bearer {tokens.writers[0]}"},
                    json={"desk": "news", "title": "Outage", "body": "Before."},
                )
                assert created.status_code == 201, created.text
                article_id = created.json()["id"]
                editor = {"Authorization": f"Bearer {tokens.editor}"}
                before = [client.get(f"/api/v1/articles/{article_id}", headers=editor)]
                cluster.pause()
                during = [r for _ in range(3) for r in requests(client, tokens, article_id)]
                cluster.resume()
                after = requests(client, tokens, article_id)
        finally:
            server.stop()
        yield Outage(before, during, after, server.log_path.read_text(errors="replace"))
    finally:
        cluster.stop()
        shutil.rmtree(logs, ignore_errors=True)


def test_requests_during_the_outage_get_503_with_retry_after(outage: Outage) -> None:
    assert [r.status_code for r in outage.before] == [200]
    assert [r.status_code for r in outage.during] == [503] * 12, [r.text for r in outage.during]
    for response in outage.during:
        assert response.headers["retry-after"] == "5"
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"] == "/problems/unavailable"


def test_the_pool_reconnects_and_nothing_of_the_outage_was_written(outage: Outage) -> None:
    read, worklist, save, submit = outage.after
    assert (read.status_code, worklist.status_code, save.status_code, submit.status_code) == (200, 200, 200, 200)
    # The save refused during the outage left nothing: the one after it is revision 2, on top of 1.
    assert save.json()["revision"] == 2
    assert submit.json()["state"] == "editing"


def test_a_failed_principal_lookup_closes_its_session_in_the_request(outage: Outage) -> None:
    assert "Task exception was never retrieved" not in outage.log
