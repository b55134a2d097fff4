"""Logs whose values are read from the metrics only when someone looks."""

from collections.abc import MutableMapping


class MetricLogs(MutableMapping):
    """``{metric.name: value}`` for the given metrics; each access reads the current result.

    Entries can be added, as a Keras ``compute_metrics`` override adds its own
    (``logs["custom"] = self.custom.result()``); they are kept as given and shown after
    the metrics.
    """

    def __init__(self, metrics):
        self._metrics = {metric.name: metric for metric in metrics}
        self._extra = {}

    def __getitem__(self, name):
        if name in self._extra:
            return self._extra[name]
        return float(self._metrics[name].result())

    def __setitem__(self, name, value):
        self._extra[name] = value

    def __delitem__(self, name):
        if name in self._extra:
            del self._extra[name]
        else:
            del self._metrics[name]

    def __iter__(self):
        yield from self._metrics
        yield from (name for name in self._extra if name not in self._metrics)

    def __len__(self):
        return len(self._metrics) + sum(name not in self._metrics for name in self._extra)

    def __repr__(self):
        return repr(dict(self))
