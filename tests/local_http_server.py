"""A real HTTP server on 127.0.0.1 for download tests (no other host is ever contacted)."""

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Served:
    """What the server serves (name -> bytes), the names it was asked for, a delay before
    each answer (to keep concurrent clients inside ``get_file`` together), and the names
    answered with a truncated body (``Content-Length`` 1000, 10 bytes sent, then hang up)."""

    def __init__(self):
        self.files = {}
        self.requests = []
        self.truncated = set()
        self.delay_s = 0.0
        self.port = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}/"

    def url(self, name):
        return self.base_url + name

    def count(self, name):
        return self.requests.count(name)


@contextlib.contextmanager
def serving_datasets(monkeypatch):
    """``serving()``, with lamina's dataset loaders pointed at it (``LAMINA_DATASETS_ORIGIN``)."""
    with serving() as served:
        monkeypatch.setenv("LAMINA_DATASETS_ORIGIN", served.base_url)
        yield served


@contextlib.contextmanager
def serving():
    """Yield a ``Served`` whose server runs in a thread until the block ends."""
    state = Served()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.lstrip("/")
            state.requests.append(name)
            time.sleep(state.delay_s)
            if name in state.truncated:
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.write(b"x" * 10)
                return
            body = state.files.get(name)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
