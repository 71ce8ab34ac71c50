"""A local stand-in for the model providers: OpenAI-compatible and Anthropic Messages endpoints.

Runs in a thread of the test process on 127.0.0.1 only. It records every request (path, headers,
JSON body) so tests can see what the gateway sent upstream, and fails with HTTP 500 for the
upstream model ids listed in ``failing``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeUpstream", "Seen"]


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    def text(self) -> str:
        """Every message text the upstream received, joined."""
        parts: list[str] = []
        for message in self.body.get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                parts.append(content)
            elif isinstance(content, list):
                parts.extend(str(block.get("text", "")) for block in content if isinstance(block, dict))
        return "\n".join(parts)


@dataclass
class FakeUpstream:
    failing: set[str] = field(default_factory=set)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeUpstream:
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                del format, args

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                body = json.loads(raw or b"{}")
                seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with upstream.lock:
                    upstream.seen.append(seen)
                    count = len(upstream.seen)
                if seen.model in upstream.failing:
                    self._send(500, {"error": {"message": "fake upstream failure", "type": "server_error"}})
                elif self.path.endswith("/messages"):
                    self._send(200, _anthropic_reply(seen.model, count))
                elif self.path.endswith("/embeddings"):
                    self._send(200, _embedding_reply(seen.model))
                elif self.path.endswith("/chat/completions"):
                    self._send(200, _openai_reply(seen.model, count))
                else:
                    self._send(200, {"ok": True})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="fake-upstream", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def calls(self, model: str | None = None) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if model is None or s.model == model]


def _openai_reply(model: str, count: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-fake-{count}",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": f"fake answer {count} from {model}"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _anthropic_reply(model: str, count: int) -> dict[str, Any]:
    return {
        "id": f"msg_fake_{count}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": f"fake answer {count} from {model}"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }


def _embedding_reply(model: str) -> dict[str, Any]:
    return {
        "object": "list",
        "model": model,
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
        "usage": {"prompt_tokens": 3, "total_tokens": 3},
    }
