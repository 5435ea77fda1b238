"""The aiohttp transport behind the Telegram channel: failures become python-telegram-bot's errors,
so the channel's retries and the rate limiter see what they would see with the stock transport."""

from __future__ import annotations

import asyncio
import socket

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.channels.telegram.http import AiohttpRequest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_refused_connection_is_a_network_error() -> None:
    async with AiohttpRequest(2, connect_timeout=2.0) as request:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:{free_port()}/bot1:x/getMe", RequestData())
        assert not isinstance(caught.value, TimedOut)


async def test_a_server_that_never_answers_times_out() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # read nothing, answer nothing

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AiohttpRequest(2, read_timeout=0.2, write_timeout=0.2) as request:
            with pytest.raises(TimedOut):
                await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe", RequestData())
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_requests_beyond_the_slots_wait_instead_of_failing() -> None:
    in_flight = 0
    most = 0

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal in_flight, most
        while await reader.readuntil(b"\r\n\r\n"):
            in_flight += 1
            most = max(most, in_flight)
            await asyncio.sleep(0.02)
            body = b'{"ok":true,"result":true}'
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
            in_flight -= 1

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AiohttpRequest(3) as request:
            results = await asyncio.gather(*(
                request.post(f"http://127.0.0.1:{port}/bot1:x/getMe", RequestData()) for _ in range(20)))
    finally:
        server.close()
    assert results == [True] * 20
    assert most == 3
