"""Insurers, municipalities, insured persons, offices, medical institutions."""
