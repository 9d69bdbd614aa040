"""A loopback TCP proxy that delivers every chunk MS milliseconds after it arrived, in each direction:
a network's latency in front of a local server, to see what round trips cost off loopback.

    python bench/delay_proxy.py LISTEN_PORT UPSTREAM_PORT MS
    DOS_TEST_PG_URL=postgresql://postgres@127.0.0.1:LISTEN_PORT/postgres python bench/bench_store.py pair

Threads and ``time.sleep`` (not an event loop, whose timers round up to a millisecond); the
delay is a floor, a busy machine adds to it. Stop it with Ctrl-C.
"""

from __future__ import annotations

import queue
import socket
import sys
import threading
import time


def _pipe(src: socket.socket, dst: socket.socket, delay_s: float) -> None:
    due: queue.Queue[tuple[float, bytes]] = queue.Queue()

    def deliver() -> None:
        while True:
            at, data = due.get()
            wait = at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not data:
                dst.shutdown(socket.SHUT_WR)
                return
            dst.sendall(data)

    sender = threading.Thread(target=deliver, daemon=True)
    sender.start()
    try:
        while True:
            data = src.recv(65536)
            due.put((time.monotonic() + delay_s, data))
            if not data:
                break
    except OSError:
        due.put((0.0, b""))
    sender.join()


def serve(listen_port: int, upstream_port: int, delay_ms: float) -> None:
    listener = socket.create_server(("127.0.0.1", listen_port))
    while True:
        client, _ = listener.accept()
        server = socket.create_connection(("127.0.0.1", upstream_port))
        for sock in (client, server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for a, b in ((client, server), (server, client)):
            threading.Thread(target=_pipe, args=(a, b, delay_ms / 1000), daemon=True).start()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    try:
        serve(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
    except KeyboardInterrupt:
        pass
