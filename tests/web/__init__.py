"""Tests of the newsroom web app."""
