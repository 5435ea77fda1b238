"""A zip member written from a thread of its own, for the streaming workbook (xlsx_stream.py)."""

from __future__ import annotations

import queue
import threading
from typing import IO


class Deflater:
    """A sheet's zip member written from a thread of its own. zlib deflates and sums the CRC without
    the GIL, so while one chunk is packed the next rows are made: a fifth of a province's export
    (py-spy), which then overlaps the rest on a second core instead of adding to it."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=4)  # bounded: memory stays flat
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlsx-deflate", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            if self._failed is None:  # after a failure the rest is only drained, so put never blocks
                try:
                    self._out.write(chunk)
                except BaseException as exc:  # raised in the sheet's own thread, at its next write
                    self._failed = exc

    def write(self, chunk: bytes) -> None:
        if self._failed is not None:
            raise self._failed
        self._chunks.put(chunk)

    def _finish(self) -> None:
        if self._thread.is_alive():
            self._chunks.put(None)
            self._thread.join()

    def close(self) -> None:
        """Everything written, the member closed; what writing raised is raised here."""
        self._finish()
        if self._failed is not None:
            raise self._failed
        self._out.close()

    def abandon(self) -> None:
        self._finish()
        if not self._out.closed:
            self._out.close()
