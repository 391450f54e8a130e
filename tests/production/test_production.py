"""The production shape under faults: the harness of ``python -m bench production``, short, with its audit.

PostgreSQL only. It runs on a private cluster that it starts itself (the test restarts it), so
the machine's shared server is never touched. Where no private cluster can be made, the test is
skipped with the reason, and under ``CI=true`` it fails with it instead.
"""

from __future__ import annotations

import shutil

import pytest

from bench.production import RunOptions, report, run
from bench.production_cluster import ClusterUnavailable, PrivateCluster
from tests.conftest import BACKEND, IN_CI

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND != "postgresql", reason="the production shape runs on PostgreSQL"),
]
DURATION = 20.0


@pytest.fixture(scope="module")
def private_cluster_possible() -> None:
    """Make and start one private cluster; fail loudly under CI if this machine cannot."""
    try:
        with PrivateCluster():
            pass
    except ClusterUnavailable as error:
        message = f"cannot start a private PostgreSQL cluster for the production test: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def test_two_api_two_schedulers_two_workers_survive_kills_and_a_restart(private_cluster_possible: None) -> None:
    options = RunOptions(api=2, schedulers=2, workers=2, users=6, duration=DURATION, keep_logs=True)
    result = run(options, say=lambda _: None)
    text = report(result)
    logs = f"\n{text}\nprocess logs: {result.logs}"
    records = result.records

    assert not records.unexpected_5xx, logs
    assert result.drained, "scheduled articles or deliveries still outstanding after the drain" + logs
    assert result.audit.passed, logs
    # The faults happened, and the load did what the audit then checked.
    assert len(result.timeline) == 5, logs
    assert [result.exit_codes[name][0] for name in ("scheduler-1", "worker-1", "api-2")] == [-9, -9, -9], logs
    # Stopped with SIGTERM at the end: schedulers and workers finish their pass and exit 0.
    last = {name: codes[-1] for name, codes in result.exit_codes.items() if not name.startswith("api")}
    assert last == dict.fromkeys(("scheduler-1", "scheduler-2", "worker-1", "worker-2"), 0), f"{last}{logs}"
    counts = result.audit.counts()
    assert len(records.scheduled) >= 5, logs
    assert counts["every scheduled article published exactly once"] >= len(records.scheduled), logs
    assert counts["no lost saves (every 2xx save is that revision)"] >= 10, logs
    assert counts["every event delivered at least once per subscription"] > 0, logs
    shutil.rmtree(result.logs, ignore_errors=True)  # kept above for the messages of a failing assertion
