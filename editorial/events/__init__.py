"""Publishing automation: the event log, webhooks, and what automation may read."""
