"""Tests for editorial.workflow."""
