"""住宅改修費 and 福祉用具購入費 usage against their allowances."""
