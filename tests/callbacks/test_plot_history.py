"""plot_history and History.plot draw real PNG files from a real fit."""

import numpy as np
import pytest

import lamina
from lamina.errors import ConfigurationError

matplotlib = pytest.importorskip("matplotlib")


def _fit(epochs=4, validation=True):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = lamina.Sequential([lamina.layers.Dense(2, activation="softmax", input_shape=(5,))])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, epochs=epochs, verbose=0, validation_split=0.25 if validation else 0.0)


def _read_png(path):
    from matplotlib.image import imread

    return imread(path)


def test_history_plot_writes_a_png_with_one_subplot_per_quantity(tmp_path):
    history = _fit()
    path = tmp_path / "curves.png"
    figure = history.plot(to_file=path)
    size = path.stat().st_size
    assert 10_000 < size < 2_000_000
    image = _read_png(path)
    width, height = (figure.get_size_inches() * 100).round().astype(int)
    assert image.shape[:2] == (height, width)
    axes = [axis for axis in figure.axes if axis.get_visible()]
    assert [axis.get_title() for axis in axes] == ["loss", "accuracy"]
    loss_lines = {line.get_label(): line for line in axes[0].get_lines()}
    assert set(loss_lines) == {"train", "validation"}
    np.testing.assert_allclose(loss_lines["train"].get_ydata(), history.history["loss"])
    np.testing.assert_allclose(loss_lines["validation"].get_ydata(), history.history["val_loss"])
    assert list(loss_lines["train"].get_xdata()) == [1, 2, 3, 4]


def test_plot_history_selects_metrics_and_accepts_the_dict(tmp_path):
    history = _fit(epochs=2, validation=False)
    path = tmp_path / "sub" / "accuracy.png"
    figure = lamina.utils.plot_history(history.history, to_file=path, metrics=["accuracy"])
    assert path.exists() and path.stat().st_size > 10_000
    axes = [axis for axis in figure.axes if axis.get_visible()]
    assert [axis.get_title() for axis in axes] == ["accuracy"]
    assert [line.get_label() for line in axes[0].get_lines()] == ["train"]


def test_plot_history_without_a_file_returns_the_figure_and_saves_nothing(tmp_path):
    figure = lamina.utils.plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    assert len([axis for axis in figure.axes if axis.get_visible()]) == 1
    assert list(tmp_path.iterdir()) == []


def test_plot_history_errors_name_what_is_missing():
    with pytest.raises(ConfigurationError, match="auc"):
        lamina.utils.plot_history({"loss": [1.0]}, metrics=["auc"])
    with pytest.raises(ConfigurationError, match="empty"):
        lamina.utils.plot_history({})
    with pytest.raises(ConfigurationError, match="History"):
        lamina.utils.plot_history([1.0, 2.0])
