"""Real Keras 3 (``KERAS_BACKEND=torch``, set by conftest.py) as the oracle of lamina's tests.

One place for what oracle tests do: build a Keras twin of a lamina layer or model, copy
weights across in Keras's layout (lamina's public ``get_weights`` / ``set_weights``), compare
outputs, gradients, weights, logs and configs, and load ``.keras`` files written by the other
library. Tests of ``lamina.ops`` compare function results with ``assert_matches``."""

import keras
import numpy as np
import torch

import lamina
from lamina import layouts

# ---- values ------------------------------------------------------------------------------


def to_numpy(value):
    """A NumPy array of a torch tensor (bfloat16 widened), a Keras variable or an array-like."""
    if isinstance(value, keras.Variable):
        value = value.value
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:
            value = value.float()
        return value.numpy()
    return np.asarray(value)


def dtype_name(value):
    return str(value.dtype).replace("torch.", "") if hasattr(value, "dtype") else type(value).__name__


def assert_matches(ours, theirs, rtol=1e-5, atol=1e-6, check_dtype=True):
    """Same structure, dtypes and (close) values; ``ours`` must be torch tensors."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            assert_matches(a, b, rtol, atol, check_dtype)
        return
    assert isinstance(ours, torch.Tensor), f"expected a torch tensor, got {type(ours)}"
    if check_dtype:
        assert dtype_name(ours) == dtype_name(theirs), (dtype_name(ours), dtype_name(theirs))
    a, b = to_numpy(ours), to_numpy(theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    if a.dtype.kind in "fc" and a.dtype.itemsize <= 2 or str(a.dtype) == "float16":
        rtol, atol = max(rtol, 2e-3), max(atol, 2e-3)
    np.testing.assert_allclose(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64),
                               b.astype(np.complex128 if b.dtype.kind == "c" else np.float64),
                               rtol=rtol, atol=atol, equal_nan=True)


def rand(shape, dtype="float32", low=-3.0, high=3.0, seed=0):
    """A reproducible array of ``shape`` (integers, booleans or uniform floats)."""
    rng = np.random.default_rng(seed + sum(shape) * 7 + len(shape))
    if dtype.startswith("int") or dtype.startswith("uint"):
        return rng.integers(int(low), int(high) + 1, size=shape).astype(dtype)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    return rng.uniform(low, high, size=shape).astype(dtype)


def assert_same_weights(ours, theirs, rtol=1e-5, atol=1e-6):
    """Two layers or models hold the same weights, in Keras's order and layout."""
    mine, expected = ours.get_weights(), theirs.get_weights()
    assert len(mine) == len(expected)
    for a, b in zip(mine, expected):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def assert_same_logs(ours, theirs, atol=1e-5):
    """Two ``return_dict=True`` results (or epoch logs) name the same values, and they agree."""
    assert set(ours) == set(theirs)
    for key in theirs:
        np.testing.assert_allclose(np.asarray(ours[key]), np.asarray(theirs[key]), atol=atol, err_msg=key)


# ---- twins -------------------------------------------------------------------------------


def keras_twin(layer, kwargs, input_shape):
    """Keras's layer of ``layer``'s class made with ``kwargs``, built for ``input_shape`` and
    holding ``layer``'s weights."""
    twin = getattr(keras.layers, type(layer).__name__)(**kwargs)
    twin.build(input_shape)
    twin.set_weights(layer.get_weights())
    return twin


def keras_output(name, kwargs, x, **call_kwargs):
    """What Keras's ``layers.<name>(**kwargs)`` (a layer without weights) returns for ``x``, as NumPy."""
    return to_numpy(getattr(keras.layers, name)(**kwargs)(x, **call_kwargs))


def twin_models(build, weights_from=keras):
    """``build(lamina)`` and ``build(keras)`` with the same weights, copied from the model of
    ``weights_from`` into the other (Keras's model is built first). Returns ``(ours, theirs)``."""
    theirs, ours = build(keras), build(lamina)
    source, target = (theirs, ours) if weights_from is keras else (ours, theirs)
    target.set_weights(source.get_weights())
    return ours, theirs


def layer_against_keras(name, kwargs, x, *, call_kwargs=None, atol=1e-5, rtol=1e-7, check_dtype=False,
                        check_output_shape=False):
    """``layers.<name>(**kwargs)`` of both libraries on ``x`` (NumPy), Keras's holding lamina's
    weights: same shape and values (and dtype, and ``compute_output_shape`` for a batch of any
    size, when asked). Returns ``(lamina layer, lamina output as NumPy)``."""
    call_kwargs = call_kwargs or {}
    layer = getattr(lamina.layers, name)(**kwargs)
    out = to_numpy(layer(torch.from_numpy(x), **call_kwargs))
    expected = to_numpy(keras_twin(layer, kwargs, x.shape)(x, **call_kwargs))
    assert out.shape == expected.shape
    if check_dtype:
        assert out.dtype == expected.dtype
    np.testing.assert_allclose(out, expected, atol=atol, rtol=rtol)
    if check_output_shape:
        assert layer.compute_output_shape((None, *x.shape[1:])) == (None, *expected.shape[1:])
    return layer, out


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def compare_with_keras(name, kwargs, x, *, atol=1e-5, grads=True, call_kwargs=None, keras_kwargs=None, seed=0):
    """Build lamina's ``name(**kwargs)`` and Keras's, copy lamina's weights across and check
    outputs and gradients (inputs and weights, in Keras's layout) agree. Returns
    ``(lamina layer, keras layer, lamina outputs)``."""
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
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=atol, rtol=atol)
    if grads:
        _compare_gradients(ours, theirs, outs, exps, t_ours, t_theirs, atol, seed)
    return ours, theirs, out


def _compare_gradients(ours, theirs, outs, exps, t_ours, t_theirs, atol, seed):
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
        np.testing.assert_allclose(to_numpy(g_a), to_numpy(g_b), atol=atol * 10, rtol=atol * 10)


# ---- configs and files -------------------------------------------------------------------


def check_config_round_trip(layer):
    """lamina rebuilds the layer from its config, and so does Keras."""
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert _unbuilt(again.get_config()) == _unbuilt(config)
    theirs = getattr(keras.layers, type(layer).__name__).from_config(config)
    assert theirs.name == layer.name


def check_keras_files_both_ways(tmp_path, make, shape, x, atol=1e-5, integer=False):
    """A one-layer model saved by Keras loads in lamina and vice versa, same predictions.
    ``make(layers_namespace)`` returns the layer."""
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
