"""A throwaway PostgreSQL cluster made with ``initdb`` / ``pg_ctl`` from PATH.

PostgreSQL refuses to run as root, so when the tests run as root the cluster is created and
started as an unprivileged user (``postgres`` when it exists, else ``nobody``) via ``runuser``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def missing_reason() -> str | None:
    for tool in ("initdb", "pg_ctl"):
        if shutil.which(tool) is None:
            return f"{tool} が PATH にありません (PostgreSQL 15+ をインストールしてください)"
    return None


class PgCluster:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.data = base / "data"
        self.sock = base / "sock"
        self.port = _free_port()
        self.user: str | None = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    pwd.getpwnam(name)
                except KeyError:
                    continue
                self.user = name
                break

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} failed: {done.stderr.strip() or done.stdout.strip()}"
            )

    def start(self) -> str:
        self.base.mkdir(parents=True, exist_ok=True)
        self.sock.mkdir(exist_ok=True)
        if self.user:
            info = pwd.getpwnam(self.user)
            for p in (self.base, self.sock):
                os.chown(p, info.pw_uid, info.pw_gid)
            os.chmod(self.base, 0o700)
        initdb = shutil.which("initdb") or "initdb"
        pg_ctl = shutil.which("pg_ctl") or "pg_ctl"
        self._run(
            initdb,
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        opts = (
            f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(
            pg_ctl, "-D", str(self.data), "-o", opts, "-l", str(self.base / "log"), "-w", "start"
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        pg_ctl = shutil.which("pg_ctl") or "pg_ctl"
        with contextlib.suppress(RuntimeError):
            self._run(pg_ctl, "-D", str(self.data), "-m", "immediate", "stop")
