"""A loopback TCP relay that counts round trips between PostgreSQL clients and the server.

A round trip is one client message that asks the server to answer: a Sync (the end of an
extended-protocol batch or of a whole pipeline) or a simple Query. The relay parses the
frontend message stream for them, so the count is exact however the bytes are split into
TCP segments or timed (counting "the client spoke after the server" miscounts when a long
pipeline is still being sent while the server already answers its first statements).
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
                    parser = _Frontend()
                    state[client] = [server, True, parser]
                    state[server] = [client, False, parser]
                    self._sel.register(client, selectors.EVENT_READ, None)
                    self._sel.register(server, selectors.EVENT_READ, None)
                    continue
                peer, is_client, parser = state[sock]
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
                if is_client:
                    asks = parser.feed(data)
                    if asks:
                        with self._lock:
                            self._count += asks
                peer.sendall(data)

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        for key in list(self._sel.get_map().values()):
            key.fileobj.close()
        self._sel.close()


_UNTYPED_REQUESTS = (80877103, 80877104)  # SSLRequest, GSSENCRequest: another untyped message follows


class _Frontend:
    """The client side of the protocol: untyped start-up messages, then (type, int32 length) frames."""

    def __init__(self) -> None:
        self.buf = b""
        self.started = False

    def feed(self, data: bytes) -> int:
        """The Sync and Query messages completed by DATA."""
        self.buf += data
        asks = 0
        while True:
            if not self.started:
                if len(self.buf) < 8:
                    return asks
                size = int.from_bytes(self.buf[:4], "big")
                code = int.from_bytes(self.buf[4:8], "big")
                if len(self.buf) < size:
                    return asks
                self.buf = self.buf[size:]
                self.started = code not in _UNTYPED_REQUESTS
                continue
            if len(self.buf) < 5:
                return asks
            kind, size = self.buf[:1], int.from_bytes(self.buf[1:5], "big")
            if len(self.buf) < 1 + size:
                return asks
            self.buf = self.buf[1 + size:]
            asks += kind in (b"S", b"Q")
