"""lamina.quantizers against Keras 3's keras.quantizers: values, dtypes, gradients of the
fake quantization (straight-through), int4 packing and configs both ways."""

import json

import numpy as np
import pytest
import torch

import lamina
from lamina import quantizers as Q


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _same(ours, theirs, **tolerance):
    ours, theirs = _np(ours), _np(theirs)
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours.astype("float64"), theirs.astype("float64"), **tolerance)


def test_public_names_match_keras(keras):
    theirs = sorted(n for n in dir(keras.quantizers) if not n.startswith("_"))
    assert sorted(Q.__all__) == theirs
    assert lamina.Quantizer is Q.Quantizer


RNG = np.random.default_rng(0)
ABS_MAX_CASES = [
    ("f32_last", RNG.normal(size=(4, 6)).astype("float32"), -1, {}),
    ("f64_axis0", RNG.normal(size=(5, 3)).astype("float64"), 0, {}),
    ("f16", RNG.normal(size=(3, 8)).astype("float16"), -1, {}),
    ("axes_tuple", RNG.normal(size=(2, 3, 4)).astype("float32"), (0, 2), {}),
    ("zeros_row", np.array([[0, 0, 0], [1, -2, 3]], "float32"), -1, {}),
    ("int4_range", RNG.normal(size=(4, 4)).astype("float32"), -1, {"value_range": (-8, 7)}),
    ("to_uint8", RNG.uniform(size=(3, 5)).astype("float32"), -1, {"value_range": (0, 255), "dtype": "uint8"}),
    ("numpy_path", RNG.normal(size=(4, 6)).astype("float32"), -1, {"to_numpy": True}),
    ("numpy_path_f64", RNG.normal(size=(4, 6)), 1, {"to_numpy": True}),
]


@pytest.mark.parametrize("name,x,axis,kwargs", ABS_MAX_CASES, ids=[c[0] for c in ABS_MAX_CASES])
def test_abs_max_quantize_matches_keras(keras, name, x, axis, kwargs):
    ours = Q.abs_max_quantize(torch.as_tensor(x), axis, **kwargs)
    theirs = keras.quantizers.abs_max_quantize(keras.ops.convert_to_tensor(x), axis, **kwargs)
    _same(ours[0], theirs[0], atol=0)
    _same(ours[1], theirs[1], rtol=1e-6)


@pytest.mark.parametrize("shape,block_size,to_numpy", [
    ((8, 3), 4, False), ((10, 4), 4, False), ((6, 2), 8, False), ((5, 3), 5, False),
    ((8, 3), 4, True), ((10, 4), 4, True), ((6, 2), 8, True),
])
def test_grouped_quantize_with_zero_point_matches_keras(keras, shape, block_size, to_numpy):
    x = RNG.normal(size=shape).astype("float32")
    x[0, 0] = x[1, 0]  # no special case needed, but keep equal values around
    ours = Q.abs_max_quantize_grouped_with_zero_point(torch.as_tensor(x), block_size, to_numpy=to_numpy)
    theirs = keras.quantizers.abs_max_quantize_grouped_with_zero_point(
        keras.ops.convert_to_tensor(x), block_size, to_numpy=to_numpy
    )
    for a, b in zip(ours, theirs):
        _same(a, b, rtol=1e-6)


def test_grouped_constant_column_widens_the_range(keras):
    x = np.ones((4, 2), "float32")
    ours = Q.abs_max_quantize_grouped_with_zero_point(torch.as_tensor(x), 4)
    theirs = keras.quantizers.abs_max_quantize_grouped_with_zero_point(keras.ops.convert_to_tensor(x), 4)
    for a, b in zip(ours, theirs):
        _same(a, b, rtol=1e-6)


def test_abs_max_quantizer_call_and_axis(keras):
    x = RNG.normal(size=(3, 4, 5)).astype("float32")
    for ctor, call in [({}, {}), ({"axis": 1}, {}), ({}, {"axis": 0}), ({"value_range": (-100, 100)}, {"to_numpy": True})]:
        ours = Q.AbsMaxQuantizer(**ctor)(torch.as_tensor(x), **call)
        theirs = keras.quantizers.AbsMaxQuantizer(**ctor)(keras.ops.convert_to_tensor(x), **call)
        _same(ours[0], theirs[0], atol=0)
        _same(ours[1], theirs[1], rtol=1e-6)


def test_abs_max_quantizer_rejects_an_int8_range_too_wide():
    with pytest.raises(ValueError, match=r"value_range=\(-200, 127\)"):
        Q.AbsMaxQuantizer(value_range=(-200, 127))


FAKE_QUANT_CASES = [
    ("per_tensor", (4, 5), -1.0, 1.0, {}),
    ("narrow_4bit", (3, 6), -0.7, 1.3, {"num_bits": 4, "narrow_range": True}),
    ("positive_range", (3, 4), 0.2, 2.0, {}),
    ("per_channel_last", (4, 3), [-1.0, -0.5, 0.0], [1.0, 0.5, 2.0], {"axis": -1}),
    ("per_channel_3d", (2, 5, 3), [-1.0, -0.2, -2.0], [0.4, 1.0, 0.1], {"axis": 2, "num_bits": 3}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape,low,high,kwargs", FAKE_QUANT_CASES, ids=[c[0] for c in FAKE_QUANT_CASES])
def test_fake_quant_values_and_gradients_match_keras(keras, name, shape, low, high, kwargs, dtype):
    x = (RNG.normal(size=shape) * 1.5).astype(dtype)
    upstream = RNG.normal(size=shape).astype(dtype)

    def run(library_ops, fake_quant, to_tensor):
        xt = to_tensor(x).requires_grad_(True)
        lo = to_tensor(np.asarray(low, "float32")).requires_grad_(True)
        hi = to_tensor(np.asarray(high, "float32")).requires_grad_(True)
        out = fake_quant(xt, lo, hi, **kwargs)
        (out * to_tensor(upstream)).sum().backward()
        return out, xt.grad, lo.grad, hi.grad

    ours = run(lamina.ops, Q.fake_quant_with_min_max_vars, torch.as_tensor)
    theirs = run(keras.ops, keras.quantizers.fake_quant_with_min_max_vars,
                 lambda a: keras.ops.convert_to_tensor(a).detach().clone())
    for a, b in zip(ours, theirs):
        _same(a, b, rtol=1e-6, atol=1e-6)


def test_fake_quant_on_numpy_and_symbolic_inputs(keras):
    x = RNG.normal(size=(2, 3)).astype("float32")
    _same(Q.fake_quant_with_min_max_vars(x, -1.0, 1.0), keras.quantizers.fake_quant_with_min_max_vars(x, -1.0, 1.0))
    symbolic = lamina.Input((3,))
    out = Q.fake_quant_with_min_max_vars(symbolic, -1.0, 1.0, num_bits=4)
    assert out.shape == (None, 3)
    model = lamina.Model(symbolic, out)
    _same(model(torch.as_tensor(x)), keras.quantizers.fake_quant_with_min_max_vars(x, -1.0, 1.0, num_bits=4))


def test_compute_float8_scale_matches_keras(keras):
    amax = np.array([0.5, 0.0, np.inf, -1.0, 3.0, np.nan], "float32")
    scale = np.array([1.0, 2.0, 0.5, 4.0, 1.5, 3.0], "float32")
    for margin in (0, 2):
        _same(Q.compute_float8_scale(torch.as_tensor(amax), torch.as_tensor(scale), 448.0, margin),
              keras.quantizers.compute_float8_scale(keras.ops.convert_to_tensor(amax),
                                                    keras.ops.convert_to_tensor(scale), 448.0, margin), rtol=1e-6)


def test_compute_float8_amax_history_matches_keras(keras):
    x = RNG.normal(size=(3, 4)).astype("float32")
    history = np.arange(5, dtype="float32")
    _same(Q.compute_float8_amax_history(torch.as_tensor(x), torch.as_tensor(history)),
          keras.quantizers.compute_float8_amax_history(keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(history)))


@pytest.mark.parametrize("quantized_dtype", ["float8_e4m3fn", "float8_e5m2"])
@pytest.mark.parametrize("compute_dtype", ["float32", "float16", "bfloat16"])
def test_quantize_and_dequantize_matches_keras(keras, quantized_dtype, compute_dtype):
    x = (RNG.normal(size=(4, 8)) * 300).astype("float32")
    x[0, :3] = [1e6, -1e6, 0.0]  # beyond the float8 range: clipped
    scale = np.float32(0.75)
    ours = Q.quantize_and_dequantize(torch.as_tensor(x).to(getattr(torch, compute_dtype)), torch.tensor(scale),
                                     quantized_dtype, compute_dtype)
    theirs = keras.quantizers.quantize_and_dequantize(
        keras.ops.cast(x, compute_dtype), keras.ops.convert_to_tensor(scale), quantized_dtype, compute_dtype
    )
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours.float().numpy(), keras.ops.cast(theirs, "float32").cpu().numpy())


@pytest.mark.parametrize("shape,axis", [((3, 2), 0), ((2, 3), 1), ((4, 5), 0), ((2, 5, 3), 1), ((2, 3, 5), -1)])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_int4_packing_matches_keras(keras, shape, axis, dtype):
    low, high = (-8, 8) if dtype == "int8" else (0, 16)
    values = RNG.integers(low, high, size=shape).astype(dtype)
    ours = Q.pack_int4(torch.as_tensor(values), axis=axis, dtype=dtype)
    theirs = keras.quantizers.pack_int4(keras.ops.convert_to_tensor(values), axis=axis, dtype=dtype)
    _same(ours[0], theirs[0], atol=0)
    assert ours[1:] == tuple(theirs[1:])
    unpacked = Q.unpack_int4(ours[0], ours[2], axis=axis, dtype=dtype)
    _same(unpacked, keras.quantizers.unpack_int4(theirs[0], theirs[2], axis=axis, dtype=dtype), atol=0)
    np.testing.assert_array_equal(_np(unpacked), values)


def test_int4_packing_rejects_a_wrong_dtype():
    with pytest.raises(TypeError, match="expected a int8 tensor"):
        Q.pack_int4(torch.zeros(2, 2, dtype=torch.int32))
    with pytest.raises(ValueError, match="dtype='int16'"):
        Q.unpack_int4(torch.zeros(2, 2, dtype=torch.int8), 4, dtype="int16")


def _configs(library):
    q = library.quantizers
    return [
        q.AbsMaxQuantizer(),
        q.AbsMaxQuantizer(axis=1, value_range=(-8, 7), epsilon=1e-5),
        q.Int8QuantizationConfig(),
        q.Int8QuantizationConfig(weight_quantizer=q.AbsMaxQuantizer(axis=0), activation_quantizer=None),
        q.Int4QuantizationConfig(),
        q.Int4QuantizationConfig(weight_quantizer=q.AbsMaxQuantizer(value_range=(-8, 7)), block_size=None),
        q.Float8QuantizationConfig(),
        q.GPTQConfig(None, None, weight_bits=8, group_size=-1, symmetric=True),
        q.AWQConfig(None, None, num_grid_points=7),
    ]


def _canonical(entry):
    return json.loads(json.dumps(entry))


def test_configs_match_keras_both_ways(keras):
    for ours, theirs in zip(_configs(lamina), _configs(keras)):
        ours_entry, theirs_entry = Q.serialize(ours), keras.quantizers.serialize(theirs)
        assert _canonical(ours_entry) == _canonical(theirs_entry)
        for entry in (theirs_entry, _canonical(theirs_entry)):  # as written, and read back from JSON
            back = Q.deserialize(entry)
            assert type(back).__name__ == type(ours).__name__
            assert _canonical(Q.serialize(back)) == _canonical(theirs_entry)
        # (Keras itself cannot read its Int4 config back from JSON: value_range becomes a list.)
        if isinstance(ours, Q.GPTQConfig):
            continue  # Keras's quantizers.deserialize does not list GPTQConfig (it returns the name)
        theirs_back = keras.quantizers.deserialize(ours_entry)
        assert _canonical(keras.quantizers.serialize(theirs_back)) == _canonical(ours_entry)
        if hasattr(ours, "mode"):
            assert ours.mode == theirs.mode


def test_get(keras):
    assert isinstance(Q.get("abs_max_quantizer"), Q.AbsMaxQuantizer)
    assert Q.get("AbsMaxQuantizer", axis=0).axis == (0,)
    assert Q.get(None) is None
    quantizer = Q.AbsMaxQuantizer()
    assert Q.get(quantizer) is quantizer
    assert isinstance(Q.get(keras.quantizers.serialize(keras.quantizers.AbsMaxQuantizer(axis=2))), Q.AbsMaxQuantizer)
    with pytest.raises(ValueError, match="Unknown quantizer"):
        Q.get("no_such_quantizer")


@pytest.mark.parametrize("make,match", [
    (lambda: Q.Int8QuantizationConfig(weight_quantizer=Q.AbsMaxQuantizer(output_dtype="int16")), "output_dtype='int16'"),
    (lambda: Q.Int4QuantizationConfig(block_size=0), "block_size=0"),
    (lambda: Q.Int4QuantizationConfig(weight_quantizer=Q.AbsMaxQuantizer(value_range=(-8, 7))), "block_size=128"),
    (lambda: Q.Int4QuantizationConfig(weight_quantizer=Q.AbsMaxQuantizer(), block_size=None), r"value_range=\(-127, 127\)"),
    (lambda: Q.GPTQConfig(None, None, weight_bits=5), "weight_bits=5"),
    (lambda: Q.GPTQConfig(None, None, hessian_damping=2), "hessian_damping=2"),
    (lambda: Q.AWQConfig(None, None, weight_bits=8), "weight_bits=8"),
    (lambda: Q.AWQConfig(None, None, group_size=0), "group_size=0"),
])
def test_bad_config_arguments_say_what_was_received(make, match):
    with pytest.raises(ValueError, match=match):
        make()
