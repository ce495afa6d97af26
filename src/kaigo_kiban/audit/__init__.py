"""Append-only, hash-chained access log; verification; a person's own access history."""
