"""居宅サービス計画作成依頼届出 online: offices submit, municipalities accept or return (see
../README.md)."""
