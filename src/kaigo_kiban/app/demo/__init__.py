"""The demo: a synthetic municipality, offices, accounts and a few days of activity."""
