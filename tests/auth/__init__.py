"""Tests for editorial.auth."""
