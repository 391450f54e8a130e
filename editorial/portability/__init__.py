"""Export and import of a whole newsroom as JSON Lines, to back up, move or leave."""

from editorial.portability.exporting import export_lines
from editorial.portability.importing import ImportRefused, import_lines
from editorial.portability.records import FORMAT, VERSION

__all__ = ["FORMAT", "VERSION", "ImportRefused", "export_lines", "import_lines"]
