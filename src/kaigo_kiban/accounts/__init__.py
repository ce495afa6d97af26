"""Staff accounts, passwords, one-time passwords, web sessions and API tokens."""
