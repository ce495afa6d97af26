"""The staff case file: one case with its survey and 主治医意見書, on top of ``cases`` and
``opinions`` (see ../README.md)."""
