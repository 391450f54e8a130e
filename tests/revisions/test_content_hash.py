"""Content hashes: the canonical JSON they are taken of never changes, so stored hashes stay valid."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editorial.revisions.services import CONTENT_FIELDS, canonical_json, content_hash


def reference(content: dict[str, Any]) -> bytes:
    """The canonical form every stored hash was taken of."""
    return json.dumps({k: content[k] for k in CONTENT_FIELDS}, sort_keys=True, ensure_ascii=False).encode()


TRICKY = ['quote " and backslash \\\\ and slash /', "\n\r\t\b\f", "\x00\x01\x1f\x7f", "\u2028\u2029", "é中😀", ""]


@pytest.mark.parametrize("text", TRICKY)
def test_strings_are_written_exactly_as_json_writes_them(text: str) -> None:
    content = {"title": text, "dek": text, "body": text * 3, "tags": [text, "x"], "authors": [text]}
    assert canonical_json(content) == reference(content)


@settings(max_examples=300, deadline=None)
@given(
    title=st.text(max_size=50),
    dek=st.text(max_size=50),
    body=st.text(max_size=400),
    tags=st.lists(st.text(max_size=20), max_size=5),
    authors=st.lists(st.text(max_size=20), max_size=3),
)
def test_any_content_has_the_canonical_form(
    title: str, dek: str, body: str, tags: list[str], authors: list[str]
) -> None:
    content = {"title": title, "dek": dek, "body": body, "tags": tags, "authors": authors}
    assert canonical_json(content) == reference(content)
    assert content_hash(content) == hashlib.sha256(reference(content)).hexdigest()


def test_other_shapes_fall_back_to_json_itself() -> None:
    content = {"title": "t", "dek": None, "body": "b", "tags": ["a", 1], "authors": []}
    assert canonical_json(content) == reference(content)


def test_a_known_hash_is_unchanged() -> None:
    content = {"title": "Ferry", "dek": "Winter", "body": "Line one.\n\nLine two.", "tags": ["port"], "authors": ["w"]}
    expected = hashlib.sha256(
        b'{"authors": ["w"], "body": "Line one.\\n\\nLine two.", "dek": "Winter", "tags": ["port"], "title": "Ferry"}'
    ).hexdigest()
    assert content_hash(content) == expected
