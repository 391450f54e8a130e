"""Identity: users, role grants, API tokens, and who is calling."""
