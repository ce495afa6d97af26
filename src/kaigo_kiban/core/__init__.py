"""Settings, database, base model, errors, clock and identifier rules shared by every area."""
