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


def test_a_form_body_is_the_one_aiohttp_makes_of_the_fields() -> None:
    # The transport encodes the fields itself (aiohttp's FormData builds a multipart writer for
    # every request): the bytes and the Content-Type must stay the ones FormData sends.
    from aiohttp import FormData

    from bot.channels.telegram.http import _form

    for fields in ({"chat_id": "42", "text": "Đã nhận báo cáo #7 & <b>xong</b>?", "parse_mode": "HTML"},
                   {"file_id": "AgACAgIAAxkBAAIB-_x"}, {}):
        ours, theirs = _form(fields), FormData(fields)()
        assert ours._value == theirs._value  # type: ignore[attr-defined]
        assert ours.content_type == theirs.content_type == "application/x-www-form-urlencoded"


async def test_a_form_request_goes_out_as_before() -> None:
    seen: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        seen.append(head.lower() + await reader.readexactly(length))
        body = b'{"ok":true,"result":{"file_id":"x","file_unique_id":"y","file_path":"p/f.jpg"}}'
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AiohttpRequest(2) as request:
            from telegram.request._requestparameter import RequestParameter

            data = RequestData([RequestParameter.from_input("file_id", "AbC-_9"),
                                RequestParameter.from_input("note", "nhà số 5")])
            result = await request.post(f"http://127.0.0.1:{port}/bot1:x/getFile", data)
    finally:
        server.close()
        await server.wait_closed()
    assert result["file_path"] == "p/f.jpg"
    assert b"content-type: application/x-www-form-urlencoded\r\n" in seen[0]
    assert seen[0].endswith(b"\r\n\r\nfile_id=AbC-_9&note=nh%C3%A0+s%E1%BB%91+5")
