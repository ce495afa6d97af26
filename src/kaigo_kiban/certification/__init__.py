"""要介護認定: cases (progress, results, surveys, 一次判定), 主治医意見書 (opinions), 居宅サービス
計画作成依頼届出 (notices) and the staff case file (casefile); see README.md."""
