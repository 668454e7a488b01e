"""A webhook endpoint on 127.0.0.1 for the notification tests: records what it is sent."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Endpoint:
    """What the endpoint received (JSON bodies, with when they arrived) and how it answers."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.received: list[dict[str, Any]] = []
        self.arrived: list[float] = []  # time.time() of each request
        self.paths: list[str] = []
        self.status = 200
        self.hang = threading.Event()  # set: answer nothing until the test ends


@contextmanager
def endpoint() -> Iterator[Endpoint]:
    """An HTTP server on a free port of 127.0.0.1, in a thread, for the test's length."""
    done = threading.Event()
    box: list[Endpoint] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            point = box[0]
            point.arrived.append(time.time())
            point.paths.append(self.path)
            point.received.append(json.loads(body))
            if point.hang.is_set():
                done.wait(30)
                return
            self.send_response(point.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: pytest shows stderr of failures

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    box.append(Endpoint(f"http://127.0.0.1:{server.server_address[1]}/hook"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box[0]
    finally:
        done.set()
        server.shutdown()
        server.server_close()
