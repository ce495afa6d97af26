"""Care-plan data exchange (ケアプランデータ連携標準仕様 v4.1): codec, JSON form, limit rules."""
