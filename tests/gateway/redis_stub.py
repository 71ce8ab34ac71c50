"""A Redis stand-in for ``--validate_config`` runs: it answers the handshake and stores nothing.

LiteLLM connects to Redis while it loads a config that names one; against a closed port redis-py
retries with back-off, which doubles the validation time. This stub (127.0.0.1 only) replies
``+PONG`` to PING, a nil to reads and ``+OK`` to everything else. It is not a cache: tests that
need Redis behaviour must not use it.
"""

from __future__ import annotations

import socketserver
import threading

__all__ = ["RedisStub"]


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while line := self.rfile.readline():
            if not line.startswith(b"*"):
                continue
            parts = []
            for _ in range(int(line[1:])):
                self.rfile.readline()  # $<length>
                parts.append(self.rfile.readline().strip())
            command = parts[0].upper() if parts else b""
            if command == b"PING":
                self.wfile.write(b"+PONG\r\n")
            elif command in {b"GET", b"MGET"}:
                self.wfile.write(b"$-1\r\n")
            else:
                self.wfile.write(b"+OK\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True


class RedisStub:
    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self.port: int = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="redis-stub", daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
