"""LIFE (科学的介護情報システム) data from offices: intake, trends, municipal aggregates."""
