"""Logs whose values are read from the metrics only when someone looks."""

from collections.abc import Mapping


class MetricLogs(Mapping):
    """``{metric.name: value}`` for the given metrics; each access reads the current result."""

    def __init__(self, metrics):
        self._metrics = {metric.name: metric for metric in metrics}

    def __getitem__(self, name):
        return float(self._metrics[name].result())

    def __iter__(self):
        return iter(self._metrics)

    def __len__(self):
        return len(self._metrics)

    def __repr__(self):
        return repr(dict(self))
