"""App factory, request dependencies, layout templates and static files."""
