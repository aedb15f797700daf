"""A TCP proxy on 127.0.0.1 that a fault test puts between a service and a server it needs.

PostgreSQL and RabbitMQ on this machine are shared: other people's tests and CI use them at the
same time, so a test must never stop or restart them. It starts one of these instead and points
the service's DATABASE_URL or BROKER_URL at the proxy's port. Seen from the service, a proxy
that cuts every connection and refuses new ones *is* the server gone: the same resets and
refused connects. The servers themselves see only a few of our own sessions end.

    proxy = TcpProxy(("127.0.0.1", 5432)).start()
    proxy.cut()       # reset every open connection (both sides); new ones are still let through
    proxy.refuse()    # cut, and stop listening: a connect gets ECONNREFUSED, as from a dead server
    proxy.hold()      # cut, and accept new connections without ever answering (a hung server)
    proxy.silence()   # cut nothing, pass nothing: every byte either way is held (packets dropped)
    proxy.resume()    # forward again, on the same port (what silence() held goes through now)
    proxy.close()

One asyncio loop on a daemon thread carries every connection; the methods above are safe to
call from any thread and return once the proxy is in the new state.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

FORWARD, HOLD, REFUSE, SILENT = "forward", "hold", "refuse", "silent"


@dataclass
class ProxyStats:
    accepted: int = 0  # connections accepted in all
    forwarded: int = 0  # of them, connected through to the server
    cut: int = 0  # connections reset by cut() / refuse() / hold()
    upstream_failed: int = 0  # the server itself could not be reached
    silenced: int = 0  # open connections that silence() kept open, passing nothing


class TcpProxy:
    def __init__(self, upstream: tuple[str, int], *, host: str = "127.0.0.1", port: int = 0):
        self.upstream = upstream
        self.host = host
        self.port = port  # 0: chosen at start(), then kept across refuse()/resume()
        self.mode = FORWARD
        self.stats = ProxyStats()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()  # every socket we hold, both sides
        self._held: set[asyncio.Task[Any]] = set()
        self._flowing: asyncio.Event | None = None  # clear while silent; made inside the loop

    # -- control, from any thread ------------------------------------------------------------
    def start(self) -> TcpProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def cut(self) -> int:
        """Reset every open connection; returns how many were cut. New ones still get through."""
        return self._call(self._cut())

    def refuse(self) -> int:
        """Cut everything and stop listening, so new connections are refused."""
        return self._call(self._set_mode(REFUSE))

    def hold(self) -> int:
        """Cut everything; accept new connections but never pass a byte either way."""
        return self._call(self._set_mode(HOLD))

    def silence(self) -> int:
        """Stop passing bytes, in both directions, on every connection, and reset none: what
        a peer whose packets are dropped looks like. Both kernels still acknowledge what they
        are sent, so only a timeout of the client's own notices. New connections are accepted
        and wait. Returns how many open connections went silent; resume() lets it all through.
        """
        return self._call(self._set_mode(SILENT))

    def resume(self) -> None:
        self._call(self._set_mode(FORWARD))

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        self._call(self._set_mode(REFUSE))
        self._call(self._cancel_all())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def open_connections(self) -> int:
        return len(self._open) // 2 + len(self._held)

    def _call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    # -- inside the loop ---------------------------------------------------------------------
    def _flow(self) -> asyncio.Event:
        if self._flowing is None:
            self._flowing = asyncio.Event()
            self._flowing.set()
        return self._flowing

    async def _listen(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._accept, self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _set_mode(self, mode: str) -> int:
        self.mode = mode
        if mode == SILENT:
            self._flow().clear()
            count = len(self._open) // 2
            self.stats.silenced += count
            await self._listen()
            return count
        self._flow().set()  # what silence held goes on (or meets the cut below)
        # Any mode change ends what is open: held connections must not hang on after resume().
        cut = await self._cut() if mode != FORWARD else self._end_held()
        if mode == REFUSE and self._server is not None:
            self._server.close()  # no wait_closed(): on 3.12 it waits for every connection
            self._server = None
        elif mode != REFUSE:
            await self._listen()
        return cut

    async def _cancel_all(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _end_held(self) -> int:
        held = list(self._held)
        for task in held:
            task.cancel()
        return len(held)

    async def _cut(self) -> int:
        writers = list(self._open)
        held = list(self._held)
        for writer in writers:
            _reset(writer)
        for task in held:
            task.cancel()
        self._open.clear()
        count = len(writers) // 2 + len(held)
        self.stats.cut += count
        return count

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.accepted += 1
        if self.mode == HOLD:
            await self._hold(writer)
            return
        if self.mode == SILENT:  # the client's SYN is answered (by the kernel), nothing more
            await self._flow().wait()
        if self.mode != FORWARD:  # refused in the instant before the listener closed, or cut
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            self.stats.upstream_failed += 1
            _reset(writer)
            return
        if self.mode != FORWARD:  # cut while we were connecting
            _reset(writer)
            _reset(up_writer)
            return
        self.stats.forwarded += 1
        self._open.update((writer, up_writer))
        try:
            flowing = self._flow()
            await asyncio.gather(
                _pipe(reader, up_writer, flowing), _pipe(up_reader, writer, flowing)
            )
        finally:
            for side in (writer, up_writer):
                if side in self._open:
                    self._open.discard(side)
                    _close(side)

    async def _hold(self, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._held.add(task)
        try:
            await asyncio.Event().wait()  # until cut() or resume() cancels us
        except asyncio.CancelledError:
            pass
        finally:
            self._held.discard(task)
            _reset(writer)


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, flowing: asyncio.Event
) -> None:
    try:
        while True:
            chunk = await reader.read(65536)
            await flowing.wait()  # while silent, the chunk (and all behind it) is held here
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError, RuntimeError):
        pass
    finally:
        _close(writer)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST, not FIN: the abrupt end a crashed server or a dropped link gives."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()
