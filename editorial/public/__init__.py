"""The public read side: live revisions of published articles, and Atom feeds."""
