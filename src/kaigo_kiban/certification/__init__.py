"""要介護認定: cases, progress milestones, results, 一次判定, 主治医意見書."""
