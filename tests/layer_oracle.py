"""A Keras-oracle harness for one layer: the Keras twin gets lamina's weights, then outputs,
gradients (inputs and weights, in Keras's layout), configs and `.keras` files are compared."""

import numpy as np
import pytest
import torch

import lamina
from lamina import layouts


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _numpy(value):
    return value.detach().cpu().numpy()


def compare_with_keras(name, kwargs, x, *, atol=1e-5, grads=True, call_kwargs=None, keras_kwargs=None, seed=0):
    """Build lamina's ``name(**kwargs)`` and Keras's, copy lamina's weights across and check
    outputs and gradients agree. Returns ``(lamina layer, keras layer, lamina outputs)``."""
    keras = pytest.importorskip("keras")
    call_kwargs = call_kwargs or {}
    xs = [np.asarray(v) for v in _as_list(x)]
    ours = getattr(lamina.layers, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**{**kwargs, **(keras_kwargs or {})})
    t_ours = [torch.tensor(v, requires_grad=grads and v.dtype.kind == "f") for v in xs]
    t_theirs = [torch.tensor(v, requires_grad=grads and v.dtype.kind == "f") for v in xs]
    out = ours(*t_ours, **call_kwargs)
    theirs(*[torch.tensor(v) for v in xs], **call_kwargs)  # build
    theirs.set_weights(ours.get_weights())
    expected = theirs(*t_theirs, **call_kwargs)
    outs, exps = _as_list(out), _as_list(expected)
    assert len(outs) == len(exps)
    for a, b in zip(outs, exps):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_numpy(a), _numpy(b), atol=atol, rtol=atol)
    if grads:
        rng = np.random.default_rng(seed)
        weights = [torch.tensor(rng.normal(size=tuple(a.shape)).astype(np.float32)) for a in outs]
        ours_w = [(t, lay) for t, lay, trainable, _ in ours._weight_entries() if trainable]
        theirs_w = [v.value for v in theirs.trainable_weights]
        ours_in = [t for t in t_ours if t.requires_grad]
        theirs_in = [t for t in t_theirs if t.requires_grad]
        g_ours = torch.autograd.grad(sum((a * w).sum() for a, w in zip(outs, weights)),
                                     ours_in + [t for t, _ in ours_w], allow_unused=True)
        g_theirs = torch.autograd.grad(sum((b * w).sum() for b, w in zip(exps, weights)),
                                       theirs_in + theirs_w, allow_unused=True)
        layouts_ = [None] * len(ours_in) + [lay for _, lay in ours_w]
        for g_a, g_b, lay in zip(g_ours, g_theirs, layouts_):
            if g_a is None or g_b is None:
                assert g_a is None and g_b is None or float(abs(g_a if g_b is None else g_b).sum()) == 0.0
                continue
            g_a = g_a if lay is None else layouts.to_keras(lay, g_a)
            np.testing.assert_allclose(_numpy(g_a), _numpy(g_b), atol=atol * 10, rtol=atol * 10)
    return ours, theirs, out


def check_config_round_trip(layer):
    """lamina rebuilds the layer from its config, and so does Keras."""
    keras = pytest.importorskip("keras")
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert _unbuilt(again.get_config()) == _unbuilt(config)
    theirs = getattr(keras.layers, type(layer).__name__).from_config(config)
    assert theirs.name == layer.name


def check_keras_files_both_ways(tmp_path, make, shape, x, atol=1e-5, integer=False):
    """A one-layer model saved by Keras loads in lamina and vice versa, same predictions."""
    keras = pytest.importorskip("keras")
    dtype = "int32" if integer else "float32"
    for lib_save, lib_load in ((keras, lamina), (lamina, keras)):
        inputs = lib_save.Input(shape=shape, dtype=dtype)
        outputs = make(lib_save.layers)(inputs)
        model = lib_save.Model(inputs, outputs)
        path = tmp_path / f"{lib_save.__name__}.keras"
        model.save(path)
        loaded = lib_load.models.load_model(path)
        np.testing.assert_allclose(
            np.asarray(loaded.predict(x, verbose=0)), np.asarray(model.predict(x, verbose=0)), atol=atol, rtol=atol
        )


def _unbuilt(config):
    """``config`` without ``build_config`` entries (a wrapped layer rebuilt from a config is not built yet)."""
    if isinstance(config, dict):
        return {k: _unbuilt(v) for k, v in config.items() if k != "build_config"}
    if isinstance(config, (list, tuple)):
        return type(config)(_unbuilt(v) for v in config)
    return config
