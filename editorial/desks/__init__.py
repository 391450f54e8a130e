"""Desks: sections, each with its own workflow."""
