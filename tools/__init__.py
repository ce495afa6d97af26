"""Development tools of the repository (import-linter contracts, the tiers page); not shipped."""
