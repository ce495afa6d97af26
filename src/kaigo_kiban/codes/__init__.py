"""Reference codes every area shares, each defined once (no I/O, no area knowledge)."""
