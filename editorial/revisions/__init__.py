"""Revisions: the immutable, numbered saves of an article, and diffs between them."""
