"""Token scopes: a token created with scopes reaches only the routes that declare one of them."""

CALENDAR_READ = "calendar:read"
"""A calendar feed token: may read the schedule feed, in the query string, and nothing else."""
