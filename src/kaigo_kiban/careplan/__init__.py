"""Care-plan data exchange (ケアプランデータ連携標準仕様 v4.1): the exchange between offices
over the pure ``codec`` (CSV standard, JSON form, master, limit rules)."""
