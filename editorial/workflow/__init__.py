"""Workflows as data, the state machine over them, and the one permission policy."""
