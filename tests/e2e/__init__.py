"""Tests for editorial.e2e."""
