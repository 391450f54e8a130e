"""Allow ``python -m editorial``."""

from editorial.cli import main

main()
