"""The composition root: the app factory, the router list, the CLI, the ingest kinds, the
navigation. Areas know nothing of it; it knows every area."""
