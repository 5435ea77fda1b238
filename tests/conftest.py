from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from tests.world import World, build_world


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "test.sqlite")
    yield database
    await database.close()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """The small campaign of tests/world.py, on a real SQLite file; a test module may override it."""
    w = await build_world(tmp_path)
    yield w
    await w.app.close()
