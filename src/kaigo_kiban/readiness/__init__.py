"""Readiness: the municipal readiness schedule (市町村の開始予定) of the 介護情報基盤ポータル.

When each municipality starts sending its data to the platform: the schedule's tables
(``models.py``), its statuses, an insurer's readiness (a 広域連合 is as ready as its least ready
member) and the fiscal-quarter counts (``rules.py``, pure), the operators' CSV import and the
export (``formats.py``, ``service.py``), and the public page ``/portal/readiness`` with its chart
(``pages.py``). Other areas' pages ask ``service.not_live_notice`` (and ``is_live``,
``readiness_for``) so that a municipality that has not started shows as such instead of as
missing data (the include ``readiness/_not_live.html``). See docs/portal.md §2.
"""
