"""`chungtay run` on a PostgreSQL server that is not there at start and goes away mid-run: one clear
line (no password), tries again with growing pauses instead of exiting, acknowledges to Telegram
nothing it could not store, and answers what waited once the server is back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import inbox, invites, units
from storage.db import Database
from storage.times import to_db
from tests import pg
from tests.channels.telegram_world import TOKEN
from tests.channels.test_telegram_process import log_of, start, text_of
from tests.emulators.tgemu import BotApiEmulator
from tests.world import build_world

PASSWORD = "s3cret-pw"  # the test server trusts its socket, so any password works: it must not be logged


@pytest.fixture
def server() -> AsyncIterator[pg.Server]:
    """A server of this test's own: it is stopped and started again, which others must not see."""
    bin_dir = pg.server_bin()
    if bin_dir is None:
        pg.unavailable()
    assert bin_dir is not None
    own = pg.Server(bin_dir)
    own.start()
    try:
        yield own  # type: ignore[misc]
    finally:
        own.stop()


async def until(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Wait for something to happen (not for time to pass)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        await asyncio.sleep(0.1)


async def test_a_database_that_is_away_at_start_and_mid_run(tmp_path: Path, server: pg.Server) -> None:
    dsn = await server.empty()
    world = await build_world(tmp_path, database=dsn)
    unit = await units.by_code(world.app.db, "MTU01")
    assert unit is not None
    async with world.app.db.transaction():
        # Made now: the process runs on the real clock, and invites expire.
        code = await invites.create(world.app.db, unit.id, "volunteer", to_db(datetime.now(UTC)), 30)
    await world.app.close()
    with_password = dsn.replace("postgres@", f"postgres:{PASSWORD}@")

    async with BotApiEmulator(token=TOKEN) as emu:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{emu.base_url}"\n'
            f'base_file_url = "{emu.base_file_url}"\n'
            f'[storage]\ndatabase = "{with_password}"\nmedia_dir = "media"\n',
            encoding="utf-8")
        server.halt()
        proc = await start(config)
        try:
            # Not there at start: a line a try, the pauses growing, and the process stays up.
            await until(lambda: log_of(config).count("unreachable") >= 3, "three tries")
            first = next(line for line in log_of(config).splitlines() if "unreachable" in line)
            assert "database postgresql://postgres@/" in first and "trying again in 1 s" in first
            assert "trying again in 2 s" in log_of(config) and proc.returncode is None
            server.resume()
            lan = emu.user(1001, first_name="Lan")
            lan.send_text(f"/start {code}")
            assert "tham gia" in await text_of(lan, timeout=60)

            # Gone mid-run: what arrives meanwhile is not confirmed to Telegram, so not lost.
            server.halt()
            waiting = lan.send_text("/baocao MH-001")
            await until(lambda: "the inbox cannot be written" in log_of(config), "a failed store")
            assert not emu.is_confirmed(waiting["update_id"]) and proc.returncode is None
            server.resume()
            assert "MH-001" in await text_of(lan, timeout=90)
            assert emu.is_confirmed(waiting["update_id"])
        except BaseException:
            print(log_of(config))
            raise
        finally:
            if proc.returncode is None:
                proc.terminate()
                await asyncio.wait_for(proc.wait(), 30)
    log = log_of(config)
    assert proc.returncode == 0, log
    assert PASSWORD not in log and TOKEN not in log and "Lan" not in log
    assert "Traceback" not in log, log
    db = await Database.open(dsn)
    try:
        # The message that waited was stored once and handled once.
        assert await inbox.unhandled(db, "telegram") == []
        assert await db.scalar("SELECT count(*) FROM inbox") == 2
        assert await db.scalar("SELECT count(*) FROM handled_updates") == 2
    finally:
        await db.close()
