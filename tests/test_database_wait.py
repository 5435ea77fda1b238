"""`chungtay run` on a database it cannot reach: a wrong name, a refused connection. One line a try,
the DSN's password never in it, pauses that grow; then it opens when the database is there."""

from __future__ import annotations

import logging

import pytest

from bot.database_wait import open_when_reachable
from storage.db import where
from tests import pg


class GaveUp(Exception):
    pass


async def test_a_wrong_database_name_is_tried_again_with_growing_pauses(
        pg_server: pg.Server, caplog: pytest.LogCaptureFixture) -> None:
    dsn = pg_server.dsn("no_such_db").replace("postgres@", "postgres:pa55word@")
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 4:
            raise GaveUp

    with caplog.at_level(logging.INFO), pytest.raises(GaveUp):
        await open_when_reachable(dsn, delays=(1, 2, 4), sleep=sleep)
    assert pauses == [1, 2, 4, 4]
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.database_wait"]
    assert len(lines) == 4 and all("unreachable" in line for line in lines)
    assert "InvalidCatalogNameError" in lines[0] and "no_such_db" in lines[0]
    assert "pa55word" not in caplog.text


async def test_a_refused_connection_is_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    # A port nobody listens on. (The server appearing later: tests/channels/test_database_faults.py.)
    refused = "postgresql://postgres:pa55word@127.0.0.1:9/nothing"
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 2:
            raise GaveUp

    with caplog.at_level(logging.INFO), pytest.raises(GaveUp):
        await open_when_reachable(refused, sleep=sleep)
    assert pauses == [1.0, 2.0]
    assert ("database postgresql://postgres@127.0.0.1:9/nothing unreachable (ConnectionRefusedError"
            in caplog.text)
    assert "pa55word" not in caplog.text


def test_where_names_the_database_without_its_password() -> None:
    assert where("postgresql://bot:pa55@db.example:5432/chungtay") == "postgresql://bot@db.example:5432/chungtay"
    assert where("postgresql://bot@/chungtay?host=/run/pg&password=pa55") == \
        "postgresql://bot@/chungtay?host=/run/pg"
    assert where("/srv/chungtay/data.sqlite") == "/srv/chungtay/data.sqlite"
