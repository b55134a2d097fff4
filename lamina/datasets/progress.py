"""Download progress on stderr: a live bar on a terminal, two plain lines anywhere else."""

import sys
import time

_BAR_WIDTH = 30
_REDRAW_EVERY_S = 0.1


def _megabytes(nbytes):
    return f"{nbytes / 1e6:.1f} MB"


class DownloadProgress:
    """Reports how much of a download has arrived.

    On a terminal the bar is redrawn in place at most ten times a second; when the
    stream is not a terminal (logs, CI, notebooks' captured output) only the start and
    the end are written, so logs are not flooded.

    Args:
        url: What is being downloaded (shown in the first line).
        total: Expected size in bytes, or ``None`` when the server does not say.
        enabled: ``False`` writes nothing at all.
        stream: Where to write; ``None`` means ``sys.stderr``.
    """

    def __init__(self, url, total=None, enabled=True, stream=None):
        self.stream = sys.stderr if stream is None else stream
        self.total = total
        self.enabled = enabled
        self.interactive = enabled and _is_terminal(self.stream)
        self.started = time.monotonic()
        self.last_drawn = float("-inf")
        if enabled:
            self._write(f"Downloading data from {url}\n")

    def update(self, received):
        """Note that ``received`` bytes have arrived so far."""
        now = time.monotonic()
        if self.interactive and now - self.last_drawn >= _REDRAW_EVERY_S:
            self.last_drawn = now
            self._write("\r" + self._line(received, now))

    def close(self, received):
        """Write the final state once the download has finished."""
        if not self.enabled:
            return
        now = time.monotonic()
        if self.interactive:
            self._write("\r" + self._line(received, now) + "\n")
        else:
            self._write(f"Downloaded {_megabytes(received)} in {now - self.started:.1f} s\n")

    def abort(self):
        """End a partly drawn bar with a newline, so an error message starts on its own line."""
        if self.interactive and self.last_drawn > float("-inf"):
            self._write("\n")

    def _line(self, received, now):
        rate = received / max(now - self.started, 1e-9)
        speed = f"{_megabytes(rate)}/s"
        if not self.total:
            return f"{_megabytes(received)}  {speed}"
        done = min(received / self.total, 1.0)
        filled = int(done * _BAR_WIDTH)
        bar = "=" * filled + (">" if filled < _BAR_WIDTH else "") + "." * (_BAR_WIDTH - filled - 1)
        return f"[{bar}] {received / 1e6:.1f}/{_megabytes(self.total)}  {speed}"

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
