"""Tests for editorial.public."""
