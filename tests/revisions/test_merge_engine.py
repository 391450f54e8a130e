"""Properties of three-way merges: disjoint edits keep both, overlapping edits are conflicts, never guesses."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from editorial.revisions.merging import merge_content, merge_list, merge_text

SENTENCES = [
    "The council met on Tuesday.",
    "Ridership doubled since June.",
    "The levy pays for the ferry.",
    "Opponents want more buses.",
    "Trains run every hour.",
    "東京 is far away.",
]
paragraphs = st.lists(st.sampled_from(SENTENCES), min_size=2, max_size=8)


@settings(max_examples=150, deadline=None)
@given(base=paragraphs, data=st.data())
def test_edits_to_disjoint_paragraphs_keep_both(base: list[str], data: st.DataObject) -> None:
    mine_at = data.draw(st.integers(0, len(base) - 1))
    theirs_at = data.draw(st.integers(0, len(base) - 1).filter(lambda i: i != mine_at))
    mine, theirs, expected = list(base), list(base), list(base)
    mine[mine_at] = expected[mine_at] = base[mine_at].replace(".", ", said the mayor.")
    theirs[theirs_at] = expected[theirs_at] = "Updated: " + base[theirs_at]
    merged, conflicts = merge_text("body", "\n\n".join(base), "\n\n".join(mine), "\n\n".join(theirs))
    assert conflicts == []
    assert merged == "\n\n".join(expected)


@settings(max_examples=150, deadline=None)
@given(base=paragraphs, data=st.data())
def test_both_editing_the_same_word_is_a_conflict_with_each_side(base: list[str], data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(base) - 1))
    first_word = base[at].split(" ")[0]
    mine, theirs = list(base), list(base)
    mine[at] = base[at].replace(first_word, "MINE", 1)
    theirs[at] = base[at].replace(first_word, "THEIRS", 1)
    _, conflicts = merge_text("body", "\n\n".join(base), "\n\n".join(mine), "\n\n".join(theirs))
    assert len(conflicts) >= 1
    assert any("MINE" in c.mine and "THEIRS" in c.theirs and first_word in c.base for c in conflicts)


def test_one_sided_changes_are_taken_as_they_are() -> None:
    assert merge_text("title", "a", "a", "b") == ("b", [])
    assert merge_text("title", "a", "b", "a") == ("b", [])
    assert merge_text("title", "a", "b", "b") == ("b", [])


def test_insertions_at_the_same_point_conflict() -> None:
    _, conflicts = merge_text("body", "Hello world.", "Hello big world.", "Hello small world.")
    assert [(c.mine, c.theirs) for c in conflicts] == [("big ", "small ")]


def test_lists_merge_additions_and_removals() -> None:
    assert merge_list(["a", "b"], ["a", "c"], ["b", "d"]) == ["d", "c"]


def test_merge_content_merges_every_field() -> None:
    base = {"title": "T", "dek": "D", "body": "One.\n\nTwo.", "tags": ["x"], "authors": ["w"]}
    mine = {**base, "body": "One changed.\n\nTwo.", "tags": ["x", "y"]}
    theirs = {**base, "title": "New T", "body": "One.\n\nTwo changed."}
    merged, conflicts = merge_content(base, mine, theirs)
    assert conflicts == []
    assert merged == {
        "title": "New T",
        "dek": "D",
        "body": "One changed.\n\nTwo changed.",
        "tags": ["x", "y"],
        "authors": ["w"],
    }
