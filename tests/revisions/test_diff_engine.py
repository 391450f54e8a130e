"""Properties of the diff engine: exact round trips, whole-word edits, escaped HTML."""

from __future__ import annotations

import re
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from editorial.revisions import diffing
from editorial.revisions.diffing import (
    DELETE,
    EQUAL,
    INSERT,
    Granularity,
    apply_ops,
    diff_text,
    render_html,
    tokenize,
    word_counts,
)

WORDS = ["ferry", "council", "approved", "rejected", "the", "ñandú", "東京", "42", "<b>", "&amp;", "it's"]
SEPARATORS = [" ", "  ", ", ", ". ", "\n", "\n\n", "\t", "!\n\n"]
texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=40).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)
any_text = st.one_of(texts, st.text(max_size=200))


def edit(text: str, data: st.DataObject) -> str:
    """A typical edit: replace a few tokens of ``text``."""
    tokens = tokenize(text, Granularity.word)
    for _ in range(data.draw(st.integers(0, 4))):
        if tokens and data.draw(st.booleans()):
            tokens[data.draw(st.integers(0, len(tokens) - 1))] = data.draw(st.sampled_from(WORDS))
        else:
            tokens.insert(data.draw(st.integers(0, len(tokens))), data.draw(st.sampled_from(WORDS)) + " ")
    return "".join(tokens)


@settings(max_examples=150, deadline=None)
@given(old=any_text, new=any_text, granularity=st.sampled_from(list(Granularity)))
def test_applying_the_diff_to_old_gives_new_exactly(old: str, new: str, granularity: Granularity) -> None:
    ops = diff_text(old, new, granularity).ops
    assert apply_ops(old, ops) == new
    assert "".join(t for op, t in ops if op != INSERT) == old


@settings(max_examples=150, deadline=None)
@given(old=texts, data=st.data(), granularity=st.sampled_from(list(Granularity)))
def test_typical_edits_round_trip(old: str, data: st.DataObject, granularity: Granularity) -> None:
    new = edit(old, data)
    assert apply_ops(old, diff_text(old, new, granularity).ops) == new


def _boundaries(text: str, granularity: Granularity) -> set[int]:
    positions, at = {0}, 0
    for token in tokenize(text, granularity):
        at += len(token)
        positions.add(at)
    return positions


@settings(max_examples=150, deadline=None)
@given(old=texts, data=st.data())
def test_word_diffs_never_cut_a_word(old: str, data: st.DataObject) -> None:
    new = edit(old, data)
    old_cuts, new_cuts = _boundaries(old, Granularity.word), _boundaries(new, Granularity.word)
    at_old = at_new = 0
    for op, text in diff_text(old, new).ops:
        if op in (EQUAL, DELETE):
            at_old += len(text)
        if op in (EQUAL, INSERT):
            at_new += len(text)
        assert at_old in old_cuts
        assert at_new in new_cuts


def test_changed_word_is_reported_whole() -> None:
    ops = diff_text("The council approved the plan.", "The council rejected the plan.").ops
    assert ops == [(EQUAL, "The council "), (DELETE, "approved"), (INSERT, "rejected"), (EQUAL, " the plan.")]
    assert word_counts(ops) == (1, 1)


ALLOWED_TAGS = re.compile(
    r'</?(?:ins|del)>|<p class="diff-para \w+">|</p>|<section class="diff-field" data-field="[^"<>]*">|</section>'
)


@settings(max_examples=150, deadline=None)
@given(old=any_text, new=st.text(alphabet="<>&\"'script/ abc\n", max_size=120))
def test_html_never_carries_user_markup(old: str, new: str) -> None:
    fragment = render_html("body", diff_text(old, new).ops)
    assert "<" not in ALLOWED_TAGS.sub("", fragment)
    assert ">" not in ALLOWED_TAGS.sub("", fragment)


def test_script_in_a_body_comes_back_escaped() -> None:
    fragment = render_html("body", diff_text("Hello.", "Hello. <script>alert('x')</script>").ops)
    assert "<script>" not in fragment
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in fragment


def test_paragraphs_are_classed_by_what_happened_to_them() -> None:
    old = "Kept paragraph.\n\nChanged paragraph here.\n\nRemoved paragraph."
    new = "Kept paragraph.\n\nChanged paragraph there.\n\nAdded paragraph."
    fragment = render_html("body", diff_text(old, new, Granularity.paragraph).ops)
    assert '<p class="diff-para equal">Kept paragraph.</p>' in fragment
    word_fragment = render_html("body", diff_text(old, new).ops)
    assert '<p class="diff-para changed">Changed paragraph <del>here</del><ins>there</ins>.</p>' in word_fragment


def test_budget_bounds_a_heavy_diff_and_says_so() -> None:
    old = " ".join(f"w{i}" for i in range(60_000))
    new = " ".join(f"w{(i * 7919) % 60_000}" for i in range(60_000))
    result = diff_text(old, new, Granularity.char, budget=0.05)
    assert result.coarsened
    assert apply_ops(old, result.ops) == new


@settings(max_examples=150, deadline=None)
@given(old=texts, data=st.data())
def test_large_texts_diffed_by_paragraph_then_word_round_trip(old: str, data: st.DataObject) -> None:
    new = edit(old, data)
    with patch.object(diffing, "TWO_LEVEL_CHARS", 0):
        result = diff_text(old, new)
    assert apply_ops(old, result.ops) == new
    assert not result.coarsened


def test_a_heavy_rewrite_is_diffed_paragraph_by_paragraph() -> None:
    paragraphs = [" ".join(f"w{(p * 100 + i) * 7919 % 5000}" for i in range(100)) + "." for p in range(200)]
    rewritten = [" ".join(reversed(p.split(" "))) if n % 3 == 0 else p for n, p in enumerate(paragraphs)]
    old, new = "\n\n".join(paragraphs), "\n\n".join(rewritten)
    result = diff_text(old, new, budget=0.2)
    assert apply_ops(old, result.ops) == new
    assert len(result.ops) > 60  # paragraph by paragraph, not one delete and one insert
