"""Identity verification (本人確認): My Number card challenge/response and 4情報."""
