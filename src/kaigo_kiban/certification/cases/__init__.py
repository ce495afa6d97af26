"""要介護認定 cases: applications, milestones and progress, results, surveys, 一次判定, the
municipal case files, the change log and the webhooks that announce it (see ../README.md)."""
