"""Articles: creating, reading, listing and saving them."""
