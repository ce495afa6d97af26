"""Subsidies: the card-reader subsidy (補助金・助成金の交付申請) of the 介護情報基盤ポータル.

The subsidy calculation for care offices and opinion-writing medical institutions, the
application rounds and the application state machine (``rules.py``, pure, with the service
type → 補助の区分 table in ``categories.py``); applications with their lines, receipts and
append-only history (``models.py``, ``service.py`` for the applicant side, ``review.py`` for the
operator's review, decision and payment); receipt types by magic bytes (``formats.py``); the
JSON API ``/api/v1/portal/…`` (``api.py``, ``schemas.py``), the pages ``/portal/applications…``
(``pages.py``) and ``kaigo-kiban subsidies subsidy-estimate`` (``commands.py``). See
docs/portal.md §1 and docs/subsidy-rules.md.
"""
