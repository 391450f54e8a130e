"""Tests for editorial.events."""
