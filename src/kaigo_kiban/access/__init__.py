"""The single gate: actors, identity verification, assignment, consent, policy."""
