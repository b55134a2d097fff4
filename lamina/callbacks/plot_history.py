"""``plot_history``: training curves from ``fit``'s History, one subplot per quantity."""

import os

from lamina.errors import ConfigurationError, describe


def plot_history(history, to_file=None, metrics=None, dpi=100):
    """Plot loss and metrics per epoch, training and validation, one subplot each.

    Args:
        history: The ``History`` that ``fit`` returned, or its ``history`` dict
            (``{"loss": [...], "val_loss": [...], ...}``).
        to_file: Save the figure to this path (the extension picks the format, e.g.
            ``.png``, ``.pdf``, ``.svg``). ``None`` only returns it (a notebook shows it).
        metrics: Names to plot (without ``val_``), in order. Defaults to ``loss`` first,
            then every other logged quantity that has values.
        dpi: Resolution of a saved raster image.

    Returns:
        The matplotlib ``Figure``. It is made without ``pyplot``, so it never opens a
        window and needs no backend setting (PNG is drawn with Agg).

    Raises:
        ConfigurationError: if there is nothing to plot or a requested name was not logged.
        ImportError: if matplotlib is not installed (``pip install matplotlib``).
    """
    logs = _as_dict(history)
    names = _names(logs, metrics)
    figure_class = _figure_class()
    columns = min(len(names), 3)
    rows = -(-len(names) // columns)
    figure = figure_class(figsize=(4.5 * columns, 3.4 * rows))
    axes = figure.subplots(rows, columns, squeeze=False)
    for axis in axes.flat[len(names) :]:
        axis.set_visible(False)
    for axis, name in zip(axes.flat, names):
        _plot_one(axis, name, logs)
    figure.tight_layout()
    if to_file is not None:
        directory = os.path.dirname(os.fspath(to_file))
        if directory:
            os.makedirs(directory, exist_ok=True)
        figure.savefig(to_file, dpi=dpi)
    return figure


def _plot_one(axis, name, logs):
    for key, label, style in ((name, "train", "-o"), (f"val_{name}", "validation", "--s")):
        values = logs.get(key)
        if values:
            epochs = range(1, len(values) + 1)
            axis.plot(epochs, values, style, markersize=3, label=label)
    axis.set_title(name)
    axis.set_xlabel("epoch")
    axis.grid(True, alpha=0.3)
    axis.legend()


def _as_dict(history):
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise ConfigurationError(
            "plot_history needs the History returned by fit (or its .history dict). "
            f"Received: {describe(history)}."
        )
    return logs


def _names(logs, metrics):
    available = [key for key, values in logs.items() if values and not key.startswith("val_")]
    available += [
        key[4:]
        for key, values in logs.items()
        if values and key.startswith("val_")
        if key[4:] not in logs
    ]
    if metrics is None:
        names = sorted(set(available), key=lambda key: (key != "loss", available.index(key)))
    else:
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        missing = [n for n in names if n not in logs and f"val_{n}" not in logs]
        if missing:
            raise ConfigurationError(
                f"plot_history: {missing} were not logged. Logged: {', '.join(logs) or 'nothing'}."
            )
    if not names:
        raise ConfigurationError(
            "plot_history: the history is empty; train with fit(...) for at least one epoch."
        )
    return names


def _figure_class():
    """matplotlib's ``Figure``, used without pyplot: no global state, no GUI backend, and
    saving renders with Agg (PNG) or the vector backend the file extension asks for."""
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError(
            f"plot_history needs matplotlib: pip install 'lamina[plot]' (or pip install matplotlib). ({err})"
        ) from None
    return Figure
