"""Help desk: inquiries (お問い合わせ), the FAQ and the vendor list of the 介護情報基盤ポータル.

Inquiries from a signed-in organisation or anonymously (read back through a secret link), the
operators' answers, answered inquiries promoted to the public FAQ (よくある質問), and the public
list of vendors (導入支援事業者) that operators keep up (``models.py``, ``service.py``); the pages
``/portal/inquiries…``, ``/portal/faq`` and ``/portal/vendors…`` (``pages.py``). See
docs/portal.md §3.
"""
