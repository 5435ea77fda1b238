"""A throwaway PostgreSQL server for the tests: Debian's initdb and pg_ctl on a temporary folder,
listening only on a Unix socket there; one server a test session, a fresh database a test.

Where the server's programs are missing the PostgreSQL tests are skipped, saying how to install
them, unless CHUNGTAY_REQUIRE_POSTGRESQL=1 (set by .ci/run) turns that skip into a failure.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

INSTALL_HINT = ("PostgreSQL server programs not found (initdb, pg_ctl under /usr/lib/postgresql/*/bin); "
                "install them with: sudo apt-get install postgresql")
REQUIRE = "CHUNGTAY_REQUIRE_POSTGRESQL"
TEMPLATE = "chungtay_template"


def server_bin() -> Path | None:
    """The newest installed server's programs."""
    found = []
    for folder in Path("/usr/lib/postgresql").glob("*/bin"):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists() and folder.parent.name.isdigit():
            found.append((int(folder.parent.name), folder))
    return max(found)[1] if found else None


def unavailable() -> None:
    """Skip the test, or fail it where PostgreSQL is required."""
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{REQUIRE}=1 but {INSTALL_HINT}")
    pytest.skip(INSTALL_HINT)


class Server:
    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="chungtay-pg-"))
        self.data = self.root / "data"
        self.socket = self.root  # the socket lives beside the data, in the same private folder
        # The server refuses to run as root: then it runs as the `postgres` user, who owns the folder.
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.user = "postgres" if self.as_user else pwd.getpwuid(os.geteuid()).pw_name
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, cwd=self.root)

    def start(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", self.user,
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        # Durability is not what these tests are about: no fsync keeps a fresh database a test fast.
        self.resume()

    def resume(self) -> None:
        """Start the server on its existing data (again, after `halt`)."""
        options = (f"-k {self.socket} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
                  "-o", options, "-w", "start")

    def halt(self) -> None:
        """Stop the server as an operator's restart does, ending every connection; data kept."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def dsn(self, dbname: str) -> str:
        return f"postgresql://{self.user}@/{dbname}?host={self.socket}"

    async def _admin(self, sql: str) -> None:
        import asyncpg
        conn = await asyncpg.connect(self.dsn("postgres"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def make_template(self) -> None:
        """A database with every migration applied, which each test's database copies."""
        from storage.db import Database

        async def make() -> None:
            await self._admin(f"CREATE DATABASE {TEMPLATE}")
            db = await Database.open(self.dsn(TEMPLATE))
            await db.close()

        asyncio.run(make())

    async def fresh(self) -> str:
        """A new, migrated, empty database; its DSN."""
        name = f"t{os.getpid()}_{next(self._names)}"
        await self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
        return self.dsn(name)

    async def empty(self) -> str:
        """A new database with nothing in it (not even the migrations); its DSN."""
        name = f"e{os.getpid()}_{next(self._names)}"
        await self._admin(f"CREATE DATABASE {name}")
        return self.dsn(name)

    async def drop(self, dsn: str) -> None:
        name = dsn.split("@/", 1)[1].split("?", 1)[0]
        await self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def for_benchmark() -> Server | None:
    """A throwaway server for a benchmark, started with the migrated template ready; None, after
    saying how to install the programs, where they are missing."""
    bin_dir = server_bin()
    if bin_dir is None:
        print(INSTALL_HINT, flush=True)
        return None
    server = Server(bin_dir)
    server.start()
    try:
        server.make_template()
    except BaseException:
        server.stop()
        raise
    return server
