"""ConvLSTM1D/2D/3D against real Keras 3: outputs, gradients, states, configs, `.keras` files."""

import numpy as np
import pytest
import torch
from oracle import check_config_round_trip, check_keras_files_both_ways, compare_with_keras

from lamina import layers
from lamina.errors import InputError

rng = np.random.default_rng(0)


def seq(*shape):
    return rng.normal(size=shape).astype(np.float32)


CASES = [
    ("ConvLSTM2D", dict(filters=3, kernel_size=3), (2, 4, 6, 6, 2)),
    ("ConvLSTM2D", dict(filters=3, kernel_size=2, padding="same", strides=2, return_sequences=True), (2, 4, 7, 6, 2)),
    ("ConvLSTM2D", dict(filters=2, kernel_size=3, data_format="channels_first", return_state=True,
                        go_backwards=True), (2, 4, 2, 6, 5)),
    ("ConvLSTM2D", dict(filters=2, kernel_size=(3, 2), dilation_rate=2, activation="relu",
                        recurrent_activation="hard_sigmoid", use_bias=False), (1, 3, 7, 6, 2)),
    ("ConvLSTM1D", dict(filters=4, kernel_size=3, padding="same", return_sequences=True), (2, 5, 8, 3)),
    ("ConvLSTM1D", dict(filters=4, kernel_size=2, data_format="channels_first", unit_forget_bias=False), (2, 5, 3, 8)),
    ("ConvLSTM3D", dict(filters=2, kernel_size=2, padding="same", return_state=True), (1, 3, 4, 4, 3, 2)),
    ("ConvLSTM3D", dict(filters=2, kernel_size=2, data_format="channels_first", return_sequences=True),
     (1, 3, 2, 4, 4, 3)),
]


@pytest.mark.parametrize("name, kwargs, shape", CASES)
def test_conv_lstm_matches_keras_outputs_and_gradients(name, kwargs, shape):
    layer, theirs, out = compare_with_keras(name, kwargs, seq(*shape))
    outs = out if isinstance(out, (list, tuple)) else [out]
    expected = layer.compute_output_shape((None, *shape[1:]))
    expected = expected if isinstance(expected[0], tuple) else [expected]
    assert [(None, *o.shape[1:]) for o in outs] == [tuple(e) for e in expected]
    assert [w.path for w in theirs.weights] == [f"{theirs.name}/conv_lstm_cell/{n}" for n in
                                                ("kernel", "recurrent_kernel", "bias")][: len(theirs.weights)]
    check_config_round_trip(layer)


def test_storage_is_torch_conv_layout_with_keras_gate_order():
    layer = layers.ConvLSTM2D(3, (2, 4))
    layer(torch.zeros(1, 2, 5, 6, 2))
    assert tuple(layer.cell.kernel.shape) == (12, 2, 2, 4)
    assert tuple(layer.cell.recurrent_kernel.shape) == (12, 3, 2, 4)
    assert [w.shape for w in layer.get_weights()] == [(2, 4, 2, 12), (2, 4, 3, 12), (12,)]
    np.testing.assert_array_equal(layer.get_weights()[2], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])  # unit forget bias


def test_dropout_is_keras_in_inference_and_drops_in_training():
    x = seq(2, 4, 6, 6, 2)
    kwargs = dict(filters=3, kernel_size=3, dropout=0.5, recurrent_dropout=0.3, padding="same")
    layer, _, out = compare_with_keras("ConvLSTM2D", kwargs, x, call_kwargs={"training": False})
    t = torch.from_numpy(x)
    a, b = layer(t, training=True), layer(t, training=True)
    assert not torch.allclose(a, b) and not torch.allclose(a, out)
    a.sum().backward()
    assert layer.cell.kernel.grad is not None and layer.cell.recurrent_kernel.grad.abs().sum() > 0


def test_a_cell_step_equals_the_layer_over_one_step():
    layer = layers.ConvLSTM2D(3, 3, padding="same", return_state=True)
    x = torch.from_numpy(seq(2, 1, 5, 5, 2))
    out, h, c = layer(x)
    h2, (h3, c3) = layer.cell(x[:, 0], [torch.zeros_like(h), torch.zeros_like(c)])
    torch.testing.assert_close(h2, out)
    torch.testing.assert_close(c3, c)


def test_initial_state_and_stateful_continuation():
    x = torch.from_numpy(seq(2, 6, 5, 5, 2))
    full = layers.ConvLSTM2D(2, 3, padding="same", return_state=True)
    out, h, c = full(x)
    first = layers.ConvLSTM2D(2, 3, padding="same", return_state=True)
    first(x[:, :3])
    first.set_weights(full.get_weights())
    _, h3, c3 = first(x[:, :3])
    resumed, _, _ = first(x[:, 3:], initial_state=[h3, c3])
    torch.testing.assert_close(resumed, out)
    stateful = layers.ConvLSTM2D(2, 3, padding="same", stateful=True)
    stateful(x[:, :3])
    stateful.set_weights(full.get_weights())
    stateful.reset_state()
    stateful(x[:, :3])
    torch.testing.assert_close(stateful(x[:, 3:]), out)
    stateful.reset_state()
    assert float(stateful.states[0].abs().sum()) == 0.0
    with pytest.raises(InputError, match="initial_state must be"):
        first(x, initial_state=[h3])


def test_wrong_rank_is_explained():
    with pytest.raises(InputError, match=r"rank 5, \(batch, time, rows, cols, channels\)"):
        layers.ConvLSTM2D(2, 3)(torch.zeros(2, 5, 5, 2))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_keras_files_both_ways(tmp_path, data_format):
    shape = (4, 6, 6, 2) if data_format == "channels_last" else (4, 2, 6, 6)
    x = seq(3, *shape)
    check_keras_files_both_ways(
        tmp_path,
        lambda L: L.ConvLSTM2D(3, 3, padding="same", data_format=data_format, return_sequences=True),
        shape,
        x,
    )
