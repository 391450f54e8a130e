"""Tests for editorial.scheduling."""
