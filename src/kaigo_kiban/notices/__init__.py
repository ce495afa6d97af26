"""Notices to insured persons: inbox, contact address, delivery queue."""
