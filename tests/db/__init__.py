"""Tests for editorial.db."""
