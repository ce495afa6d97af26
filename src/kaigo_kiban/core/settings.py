"""Settings, read only here, from ``KK_*`` environment variables (and explicit arguments in tests)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All settings of one kaigo-kiban process. Nothing reads ``os.environ`` elsewhere."""

    model_config = SettingsConfigDict(env_prefix="KK_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/kaigo-kiban.db",
        description="SQLAlchemy URL; SQLite file (embedded) or postgresql+psycopg://…",
    )
    data_dir: Path = Path("./var")
    demo_mode: bool = False
    secret_key: str = Field(
        default="", description="HMAC key for sessions and CSRF; required in production"
    )
    secure_cookies: bool = True
    access_token_minutes: int = 60
    refresh_token_hours: int = 8
    session_idle_minutes: int = 30
    login_max_failures: int = 5
    assignment_lapse_months: int = 3
    ingest_batch_rows: int = 5000
    ingest_max_line_bytes: int = 64 * 1024
    audit_fail_for_test: bool = False
    upload_max_bytes: int = 20 * 1024 * 1024
    careplan_require_assignment: bool = Field(
        default=True,
        description="ケアプランファイルの送受信を、ファイル中の全員の担当事業所に限る",
    )
    timezone: str = "Asia/Tokyo"
    smtp_host: str = Field(
        default="", description="お知らせメールの送信サーバ (空ならDBに記録のみ)"
    )
    smtp_port: int = 587
    smtp_from: str = ""
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_implicit_tls: bool = False
    smtp_timeout_seconds: float = 10.0
    base_url: str = "http://127.0.0.1:8000"
    webhook_allow_loopback: bool = Field(
        default=False,
        description="開発・試験用: 通知 (Webhook) をループバック (127.0.0.1 など) の http にも送る",
    )

    def resolved_secret(self) -> str:
        """Secret key; in demo mode a fixed key is derived so restarts keep sessions."""
        if self.secret_key:
            return self.secret_key
        if self.demo_mode:
            return "kaigo-kiban-demo-secret-not-for-production"
        raise RuntimeError("KK_SECRET_KEY を設定してください (本番環境では必須です)")
