"""Synthetic municipalities: deterministic, realistic card files of invented people only."""
