"""Municipal file intake: validate, stage, commit atomically, report."""
