"""A local HTTP server for the download tests: nothing here touches the network."""

import http.server
import threading
from pathlib import Path

import pytest


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the test's folder; /short/NAME promises more bytes than it sends."""

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        if self.path.startswith("/short/"):
            body = (Path(self.directory) / self.path.removeprefix("/short/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """(base URL, folder it serves) of an HTTP server on 127.0.0.1, stopped after the test."""
    served = tmp_path / "served"
    served.mkdir()
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)  # talk to 127.0.0.1 directly
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: _Handler(*a, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", served
    httpd.shutdown()
    httpd.server_close()
    thread.join()
