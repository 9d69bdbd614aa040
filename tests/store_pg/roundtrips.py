"""A loopback TCP relay that counts round trips between PostgreSQL clients and the server.

A round trip is counted each time a client sends after the server last spoke on that
connection (and at its first send): the client had to wait for an answer before it could
go on. It measures the wire, not any counter inside the engine under test.
"""

from __future__ import annotations

import selectors
import socket
import threading
from urllib.parse import urlsplit, urlunsplit


class RoundTripRelay:
    """Relays 127.0.0.1:<port> to the server of URL; ``count`` is the round trips seen so far."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.setblocking(False)
        port = self._listener.getsockname()[1]
        netloc = parts.netloc.rpartition("@")
        self.url = urlunsplit((parts.scheme, f"{netloc[0]}{netloc[1]}127.0.0.1:{port}", parts.path,
                               parts.query, parts.fragment))
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._listener, selectors.EVENT_READ, None)
        self._lock = threading.Lock()
        self._count = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    def _run(self) -> None:
        state: dict[socket.socket, list] = {}  # sock -> [peer, is_client, client's 'server spoke last' cell]
        while not self._stop:
            for key, _ in self._sel.select(timeout=0.05):
                sock = key.fileobj
                if sock is self._listener:
                    client, _ = self._listener.accept()
                    server = socket.create_connection(self._upstream)
                    for s in (client, server):
                        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    turn = [True]  # True: the server spoke last (or nobody yet)
                    state[client] = [server, True, turn]
                    state[server] = [client, False, turn]
                    self._sel.register(client, selectors.EVENT_READ, None)
                    self._sel.register(server, selectors.EVENT_READ, None)
                    continue
                peer, is_client, turn = state[sock]
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    for s in (sock, peer):
                        self._sel.unregister(s)
                        s.close()
                        state.pop(s, None)
                    continue
                if is_client and turn[0]:
                    with self._lock:
                        self._count += 1
                turn[0] = not is_client
                peer.sendall(data)

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        for key in list(self._sel.get_map().values()):
            key.fileobj.close()
        self._sel.close()
