"""Webhooks: subscriptions, signed deliveries of the event log, and the worker that sends them."""
