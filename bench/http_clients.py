"""Event-loop CPU per Bot API request: python-telegram-bot's httpx transport against ours on aiohttp.

A local server in its own process answers getFile-like POSTs and serves a photo-sized file; each
transport makes, 16 at a time, one POST and one download per simulated photo through
python-telegram-bot's request interface, as the bot does for every photo of an album.

    .venv/bin/python bench/http_clients.py [--photos 150] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram.request import BaseRequest, HTTPXRequest, RequestData  # noqa: E402

from bot.channels.telegram.http import AiohttpRequest  # noqa: E402

SLOTS = 16
SERVER = r"""
import asyncio, sys
from aiohttp import web
PHOTO = b"\xff" * 150_000
async def api(request):
    result = {"file_id": "f", "file_unique_id": "u", "file_path": "p.jpg"}
    return web.json_response({"ok": True, "result": result})
async def photo(request):
    return web.Response(body=PHOTO)
async def main():
    app = web.Application()
    app.add_routes([web.post("/{tail:.*}", api), web.get("/{tail:.*}", photo)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(sys.argv[1])).start()
    print("ready", flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


async def one_photo(request: BaseRequest, base: str, i: int) -> None:
    await request.post(f"{base}/getFile", RequestData())
    data = await request.retrieve(f"{base}/file/{i}.jpg")
    assert len(data) == 150_000


async def run(request: BaseRequest, base: str, photos: int) -> float:
    """Milliseconds of this process's CPU per HTTP request."""
    async with request:
        await one_photo(request, base, 0)  # connections opened outside the measurement
        cpu = time.process_time()
        await asyncio.gather(*(one_photo(request, base, i) for i in range(photos)))
        return (time.process_time() - cpu) * 1000 / (2 * photos)


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=150)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8977)
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(args.port)], stdout=subprocess.PIPE)
    try:
        assert server.stdout is not None and server.stdout.readline().startswith(b"ready")
        base = f"http://127.0.0.1:{args.port}"
        ratios = []
        for run_no in range(1, args.runs + 1):
            # The same 16 requests in flight for both: the slots python-telegram-bot's pool gets.
            httpx_ms = await run(HTTPXRequest(connection_pool_size=SLOTS, pool_timeout=60.0), base,
                                 args.photos)
            ours_ms = await run(AiohttpRequest(SLOTS), base, args.photos)
            ratios.append(httpx_ms / ours_ms)
            print(f"run {run_no}: httpx {httpx_ms:.2f} ms, aiohttp {ours_ms:.2f} ms of CPU per request; "
                  f"ratio {ratios[-1]:.1f}x")
        print(f"{args.photos} photos = {2 * args.photos} requests a run; median ratio "
              f"{sorted(ratios)[len(ratios) // 2]:.1f}x")
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
