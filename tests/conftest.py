from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage.db import Database
from tests import pg
from tests.world import World, build_world

# The storage and handler tests that take `db` or `world` run on both databases.
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pg.Server]:
    """One throwaway PostgreSQL server for the whole session, started on first use."""
    bin_dir = pg.server_bin()
    if bin_dir is None:
        pg.unavailable()
        raise AssertionError("unreachable")
    server = pg.Server(bin_dir)
    try:
        server.start()
        server.make_template()
        yield server
    finally:
        server.stop()


@pytest.fixture
async def pg_dsn(pg_server: pg.Server) -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database for one test."""
    dsn = await pg_server.fresh()
    yield dsn
    await pg_server.drop(dsn)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where the test's database lives: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "test.sqlite"
    return str(request.getfixturevalue("pg_dsn"))


@pytest.fixture
async def db(database: str | Path) -> AsyncIterator[Database]:
    opened = await Database.open(database)
    yield opened
    await opened.close()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """For the tests of what only SQLite does (its pragmas, its transactions' quirks)."""
    opened = await Database.open(tmp_path / "test.sqlite")
    yield opened
    await opened.close()


@pytest.fixture
async def world(tmp_path: Path, database: str | Path) -> AsyncIterator[World]:
    """The small campaign of tests/world.py, on each database; a test module may override it."""
    w = await build_world(tmp_path, database=database if isinstance(database, str) else None)
    yield w
    await w.app.close()
