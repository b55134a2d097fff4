"""``RemoteMonitor``: POST each epoch's logs to an HTTP server (Keras 3's callback)."""

import json
import numbers
import urllib.error
import urllib.parse
import urllib.request
import warnings

from lamina.callbacks.callback import Callback

_TIMEOUT_SECONDS = 10


class RemoteMonitor(Callback):
    """At each epoch's end, POST ``{"epoch": epoch, **logs}`` to ``root + path``.

    By default the logs go as a form field (``field=<the logs as JSON>``,
    ``application/x-www-form-urlencoded``), as Keras sends them; with
    ``send_as_json=True`` the body is the JSON object itself. A server that cannot be
    reached gives a warning, not an error: training goes on. Uses only the standard
    library (Keras needs ``requests``).

    Args:
        root: The server's base URL. Defaults to ``"http://localhost:9000"``.
        path: Path appended to ``root``. Defaults to ``"/publish/epoch/end/"``.
        field: Form field holding the JSON logs. Defaults to ``"data"``.
        headers: Optional dict of extra HTTP headers.
        send_as_json: Send the logs as a JSON body instead of a form field.
    """

    chief_only = True  # data parallel: the logs are global, one rank reports them

    def __init__(
        self,
        root="http://localhost:9000",
        path="/publish/epoch/end/",
        field="data",
        headers=None,
        send_as_json=False,
    ):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        """Send the epoch number and its logs."""
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = _plain(value)
        if self.send_as_json:
            body = json.dumps(send).encode()
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
            content_type = "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type, **(self.headers or {})}
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)


def _plain(value):
    """A JSON-friendly scalar for a number, a 0-d array or a 0-d tensor."""
    if isinstance(value, (numbers.Number, str)) and type(value).__module__ == "builtins":
        return value
    return value.item() if hasattr(value, "item") else value
