"""Cross-cutting helpers: clock, errors, paging, logging."""
