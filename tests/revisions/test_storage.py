"""Compact revision storage: what is read back is exactly what was saved, and it is small."""

from __future__ import annotations

import random
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from editorial.db import Database
from editorial.db.models import Revision
from editorial.revisions import packing
from editorial.revisions.services import verify_all
from editorial.revisions.storage import BLOCK, body_of, decode, delta_base, encode
from tests.support import Actor

SENTENCES = [
    "The ferry runs all winter.",
    "Ridership doubled.",
    "Councillors disagreed.",
    "東京 はい.",
    "A <b>bold</b> claim.",
]


def test_delta_bases_stay_in_their_block_and_chains_are_short() -> None:
    for number in range(1, 5 * BLOCK):
        chain, current = [], number
        while (base := delta_base(current)) is not None:
            assert base < current
            assert (base - 1) // BLOCK == (number - 1) // BLOCK
            chain.append(base)
            current = base
        assert len(chain) <= BLOCK.bit_length() - 1
        assert (current - 1) % BLOCK == 0


@settings(max_examples=200, deadline=None)
@given(old=st.text(max_size=300), new=st.text(max_size=300))
def test_deltas_rebuild_exactly(old: str, new: str) -> None:
    assert decode(old, encode(old, new)) == new


@settings(max_examples=200, deadline=None)
@given(start=st.text(max_size=200), end=st.text(max_size=200), old=st.text(max_size=40), new=st.text(max_size=40))
def test_edits_between_shared_ends_rebuild_exactly(start: str, end: str, old: str, new: str) -> None:
    """The ends the two bodies share are kept without a diff: wherever they meet (inside a word, overlapping)."""
    before, after = start + old + end, start + new + end
    assert decode(before, encode(before, after)) == after


def random_edit(rng: random.Random, body: str) -> str:
    paragraphs = body.split("\n\n")
    kind = rng.random()
    if kind < 0.6:
        at = rng.randrange(len(paragraphs))
        paragraphs[at] = paragraphs[at].replace(".", f" ({rng.randrange(1000)}).", 1)
    elif kind < 0.8:
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), rng.choice(SENTENCES))
    elif kind < 0.9 and len(paragraphs) > 1:
        paragraphs.pop(rng.randrange(len(paragraphs)))
    else:  # a heavy rewrite
        paragraphs = [" ".join(rng.sample(SENTENCES, 3)) for _ in paragraphs]
    return "\n\n".join(paragraphs)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), saves=st.integers(2, 80))
def test_every_saved_revision_reads_back_exactly(newsroom: dict[str, Actor], seed: int, saves: int) -> None:
    rng = random.Random(seed)
    writer = newsroom["writer"]
    body = "\n\n".join(rng.choice(SENTENCES) for _ in range(12))
    article = writer.create(body=body)
    saved = {1: body}
    etag = '"r1"'
    for number in range(2, saves + 1):
        body = random_edit(rng, body) + ("" if body.endswith(".") else ".")
        response = writer.put(f"/api/v1/articles/{article['id']}", json={"body": body}, headers={"If-Match": etag})
        if response.json()["revision"] != number:  # an edit that changed nothing makes no revision
            body = saved[number - 1]
            body += f"\n\nSave {number}."
            response = writer.put(f"/api/v1/articles/{article['id']}", json={"body": body}, headers={"If-Match": etag})
        assert response.status_code == 200, response.text
        etag = response.headers["etag"]
        saved[number] = body
    for number in rng.sample(sorted(saved), min(len(saved), 15)):
        read = writer.get(f"/api/v1/articles/{article['id']}/revisions/{number}").json()
        assert read["body"] == saved[number], number


def test_older_revisions_are_packed_and_the_head_is_whole(newsroom: dict[str, Actor], db: Database) -> None:
    writer = newsroom["writer"]
    body = "\n\n".join(SENTENCES * 40)
    article = writer.create(body=body)
    for n in range(2, 11):
        body = body.replace(SENTENCES[n % len(SENTENCES)], f"{SENTENCES[n % len(SENTENCES)]} ({n})", 1)
        assert writer.save(article, body=body).status_code == 200
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(Revision.number, Revision.body_packed.is_not(None), Revision.body_base)
            .where(Revision.article_id == article["id"])
            .order_by(Revision.number)
        ).all()
        stored = session.scalar(
            select(
                func.sum(
                    func.coalesce(func.length(Revision.body), 0) + func.coalesce(func.length(Revision.body_packed), 0)
                )
            ).where(Revision.article_id == article["id"])
        )
    assert rows[0] == (1, True, None)  # a snapshot, packed
    assert rows[-1] == (10, False, None)  # the head, whole
    assert all(is_packed and base == delta_base(n) for n, is_packed, base in rows[1:-1])
    assert stored < 1.2 * len(body)


def test_verify_checks_every_revision_and_finds_tampering(
    newsroom: dict[str, Actor], db: Database, settings: Any, monkeypatch: Any
) -> None:
    from editorial.cli import main
    from editorial.settings import get_settings

    writer = newsroom["writer"]
    article = writer.create(body="One.\n\nTwo.\n\nThree.")
    for n in range(4):
        writer.save(article, body=f"One.\n\nTwo ({n}).\n\nThree.")
    monkeypatch.setenv("EDITORIAL_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        good = CliRunner().invoke(main, ["revisions", "verify"])
        assert good.exit_code == 0, good.output
        assert "5 revisions checked, 0 problems" in good.output
        with db.transaction() as session:
            session.execute(
                update(Revision)
                .where(Revision.article_id == article["id"], Revision.number == 2)
                .values(body_base=1, body_packed=encode("One.\n\nTwo.\n\nThree.", "One.\n\nTwo (X).\n\nThree."))
            )
        bad = CliRunner().invoke(main, ["revisions", "verify"])
        assert bad.exit_code == 1
        assert "revision 2" in bad.output
    finally:
        get_settings.cache_clear()


def test_verify_rebuilds_from_the_rows_not_from_bases_read_before(newsroom: dict[str, Actor], db: Database) -> None:
    writer = newsroom["writer"]
    article = writer.create(body="One.\n\nTwo.\n\nThree.")
    for n in range(5):
        writer.save(article, body=f"One.\n\nTwo ({n}).\n\nThree.")
    with db.transaction(write=False) as session:
        bases = session.execute(
            select(Revision.number, Revision.body_base).where(Revision.article_id == article["id"])
        ).all()
    assert sorted(bases)[:4] == [(1, None), (2, 1), (3, 1), (4, 3)]
    read = writer.get(f"/api/v1/articles/{article['id']}/revisions/4")  # keeps its decoded bases, 3 and 1
    assert read.json()["body"] == "One.\n\nTwo (2).\n\nThree."
    with db.transaction() as session:
        session.execute(
            update(Revision)
            .where(Revision.article_id == article["id"], Revision.number == 1)
            .values(body_packed=packing.pack_snapshot("One.\n\nTwo?\n\nThree."))
        )
    with db.transaction(write=False) as session:
        checked, problems = verify_all(session)
    assert checked == 6
    assert [problem.split(":")[0].rsplit(" ", 1)[-1] for problem in problems] == ["1", "2", "3", "4", "5"]


def test_a_delta_against_a_base_outside_the_block_layout_still_rebuilds(
    newsroom: dict[str, Actor], db: Database
) -> None:
    writer = newsroom["writer"]
    bodies = {1: "One.\n\nTwo.\n\nThree."}
    article = writer.create(body=bodies[1])
    for n in range(2, 7):
        bodies[n] = f"One ({n}).\n\nTwo.\n\nThree ({n})."
        writer.save(article, body=bodies[n])
    assert delta_base(5) == 1
    with db.transaction() as session:  # as another layout (or an older one) might have stored it: 5 against 4
        session.execute(
            update(Revision)
            .where(Revision.article_id == article["id"], Revision.number == 5)
            .values(body_base=4, body_packed=encode(bodies[4], bodies[5]))
        )
    with db.transaction(write=False) as session:
        assert [body_of(session, article["id"], n, cached=False) for n in range(1, 7)] == list(bodies.values())
        assert verify_all(session) == (6, [])


@settings(max_examples=200, deadline=None)
@given(body=st.text(max_size=2_000))
def test_snapshots_unpack_exactly_and_say_how_they_are_stored(body: str) -> None:
    packed = packing.pack_snapshot(body)
    assert packing.unpack_snapshot(packed) == body
    assert packed[0] in (packing.RAW, packing.DEFLATE)
    assert len(packed) <= len(body.encode()) + 1  # never larger than the text and its codec byte


def test_prose_is_deflated_and_an_unknown_codec_is_refused() -> None:
    body = "\n\n".join(SENTENCES * 40)
    packed = packing.pack_snapshot(body)
    assert packed[0] == packing.DEFLATE
    assert len(packed) < len(body.encode()) / 4
    with pytest.raises(ValueError, match="unknown body codec 7"):
        packing.unpack_snapshot(bytes([7]) + packed[1:])


def test_a_delta_that_does_not_fit_its_base_is_refused() -> None:
    delta = encode("One.\n\nTwo.", "One.\n\nTwo (2).")
    assert decode("One.\n\nTwo.", delta) == "One.\n\nTwo (2)."
    with pytest.raises(ValueError, match="the delta covers"):
        decode("One.\n\nTwo. Three.", delta)
