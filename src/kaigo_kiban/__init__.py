"""kaigo-kiban: an open, self-hostable 介護情報基盤 (long-term-care information platform)."""

__version__ = "0.1.0"
