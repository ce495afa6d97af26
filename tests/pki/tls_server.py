"""Run the web app over mutual TLS for tests/pki/test_tls.py: ``python tls_server.py DB_URL DATA_DIR CA_DIR``.

Port 0: the server picks a free port and announces it on stderr (see ``pki.tls.serve_tls``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from kaigo_kiban.app.factory import create_app
from kaigo_kiban.core.settings import Settings
from kaigo_kiban.identity import api as identity_api
from kaigo_kiban.pki.tls import serve_tls


def main() -> None:
    database_url, data_dir, ca_dir = sys.argv[1:4]
    settings = Settings(
        database_url=database_url,
        data_dir=Path(data_dir),
        secret_key="tls-test",
        secure_cookies=True,
    )
    app = create_app(settings)
    if not any(getattr(r, "path", None) == "/api/v1/identity/challenges" for r in app.routes):
        app.include_router(identity_api.router)
    serve_tls(app, settings, "127.0.0.1", 0, Path(ca_dir))


if __name__ == "__main__":
    main()
