"""Tests for editorial.cli."""
