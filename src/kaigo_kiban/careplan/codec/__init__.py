"""The care-plan CSV standard (ケアプランデータ連携標準仕様 v4.1) without a database.

Reads, checks, writes and presents the files: tokenizer, layouts, file names, cell and file
checks, the JSON form, the paper-form sheets, the service-code master and the pure limit and
price rules. It imports nothing of the exchange (``careplan`` models, mailbox, web) and no
other area; see ``careplan/README.md``.
"""
