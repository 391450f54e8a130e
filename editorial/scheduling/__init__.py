"""Scheduled publication: the scheduler, what it did, and the calendar."""
