"""Tests for editorial.revisions."""
