"""Optional features name the extra that installs what they need; saving needs none."""

import subprocess
import sys

import numpy as np
import pytest

import lamina
from lamina.errors import ConfigurationError


def test_plot_history_without_matplotlib_names_the_plot_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # as if matplotlib were not installed
    history = {"loss": [1.0, 0.5]}
    with pytest.raises(ImportError, match=r"lamina\[plot\]"):
        lamina.utils.plot_history(history, to_file=str(tmp_path / "h.png"))


def test_tensorboard_without_the_package_names_the_tensorboard_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    model = lamina.Sequential([lamina.layers.Input((2,)), lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ConfigurationError, match=r"lamina\[tensorboard\]"):
        model.fit(np.ones((2, 2), "float32"), np.ones((2, 1), "float32"), epochs=1, verbose=0, callbacks=[lamina.callbacks.TensorBoard(str(tmp_path))])


def test_saving_needs_no_optional_package():
    """h5py is a core dependency: a process without matplotlib or tensorboard saves and loads."""
    code = (
        "import sys\n"
        "for name in ('matplotlib', 'tensorboard', 'keras', 'PIL'): sys.modules[name] = None\n"
        "import lamina, numpy as np, tempfile, os\n"
        "m = lamina.Sequential([lamina.layers.Input((2,)), lamina.layers.Dense(1)])\n"
        "m.compile('adam', 'mse'); m.fit(np.ones((4, 2), 'float32'), np.ones((4, 1), 'float32'), verbose=0)\n"
        "d = tempfile.mkdtemp(); m.save(os.path.join(d, 'm.keras'))\n"
        "lamina.models.load_model(os.path.join(d, 'm.keras')); print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


def test_h5py_is_a_core_dependency():
    from importlib.metadata import requires

    core = [r for r in requires("lamina") if "extra ==" not in r]
    assert any(r.startswith("h5py") for r in core), core
