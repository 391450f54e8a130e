"""Tests for editorial.articles."""
