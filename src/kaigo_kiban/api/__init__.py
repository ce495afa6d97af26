"""The JSON API as a product: idempotent writes, cursors, ETags, error catalogue, compatibility."""
