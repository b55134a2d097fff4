"""A Keras-style progress bar that costs nothing between redraws.

On a terminal it redraws one line in place at most every ``interval`` seconds. When the
output is not a terminal (a log file, CI) it writes a single line when a phase
finishes, instead of a stream of carriage returns.
"""

import sys
import time


class Progbar:
    """A Keras-style progress bar.

    Args:
        target: Total number of steps, or None when unknown.
        width: Width of the bar in characters.
        verbose: 0 silent, 1 a bar redrawn in place, 2 one line when a phase ends.
        interval: Least number of seconds between redraws.
        stream: Where to write; defaults to ``sys.stdout``.
    """
    def __init__(self, target, width=30, verbose=1, interval=0.1, stream=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stream = stream or sys.stdout
        self.dynamic = _is_interactive(self.stream)
        self.start = time.monotonic()
        self.last_draw = 0.0
        self.seen = 0

    def update(self, current, logs=None, finalize=False):
        """Record progress; redraw if due. ``logs`` values are read only when drawing."""
        self.seen = current
        if not finalize:
            if self.verbose != 1 or not self.dynamic:
                return
            now = time.monotonic()
            if now - self.last_draw < self.interval:
                return
            self.last_draw = now
        if self.verbose == 0:
            return
        line = self._render(current, logs, finalize)
        if self.dynamic:
            self.stream.write("\r" + line + ("\n" if finalize else ""))
        elif finalize:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _render(self, current, logs, finalize):
        elapsed = time.monotonic() - self.start
        parts = [f"{current}/{self.target}" if self.target else f"{current}"]
        if self.verbose == 1 and self.target:
            parts.append(self._bar(current))
        if finalize:
            per_step = elapsed / max(current, 1)
            parts.append(f"{elapsed:.0f}s {_format_duration(per_step)}/step")
        elif self.target:
            eta = elapsed / max(current, 1) * (self.target - current)
            parts.append(f"ETA: {eta:.0f}s")
        for key, value in (logs or {}).items():
            parts.append(f"- {key}: {_format_value(value)}")
        line = " ".join(parts)
        return line.ljust(getattr(self, "_last_width", 0))

    def _bar(self, current):
        done = int(self.width * min(current, self.target) / self.target)
        arrow = ">" if current < self.target else ""
        return "[" + "=" * (done - len(arrow)) + arrow + "." * (self.width - done) + "]"


def _format_value(value):
    value = float(value)
    return f"{value:.4f}" if 1e-3 <= abs(value) < 1e4 or value == 0 else f"{value:.4e}"


def _format_duration(seconds):
    if seconds >= 1:
        return f"{seconds:.0f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms"
    return f"{seconds * 1e6:.0f}us"


def _is_interactive(stream):
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) or "ipykernel" in sys.modules
