"""Recurrent layers against a NumPy step-by-step reference, PyTorch's nn.LSTM/nn.GRU/nn.RNN,
and real Keras 3 (weights copied with get_weights/set_weights)."""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import layers, layouts
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(0)
T = torch.from_numpy


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---------------------------------------------------------------- NumPy reference
def np_lstm_step(x, states, kernel, recurrent, bias):
    h, c = states
    z = x @ kernel + h @ recurrent + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    return h, [h, c]


def np_gru_step(x, states, kernel, recurrent, bias):
    (h,) = states
    u = h.shape[-1]
    xz, xr, xh = np.split(x @ kernel + bias[0], 3, axis=-1)
    rec = h @ recurrent + bias[1]
    z, r = sigmoid(xz + rec[:, :u]), sigmoid(xr + rec[:, u : 2 * u])
    candidate = np.tanh(xh + r * rec[:, 2 * u :])
    h = z * h + (1 - z) * candidate
    return h, [h]


def np_gru_v1_step(x, states, kernel, recurrent, bias):  # reset_after=False
    (h,) = states
    u = h.shape[-1]
    xz, xr, xh = np.split(x @ kernel + bias, 3, axis=-1)
    z = sigmoid(xz + h @ recurrent[:, :u])
    r = sigmoid(xr + h @ recurrent[:, u : 2 * u])
    candidate = np.tanh(xh + (r * h) @ recurrent[:, 2 * u :])
    h = z * h + (1 - z) * candidate
    return h, [h]


def np_simple_step(x, states, kernel, recurrent, bias):
    h = np.tanh(x @ kernel + bias + states[0] @ recurrent)
    return h, [h]


def np_rnn(step, x, weights, states, mask=None, go_backwards=False):
    """Keras semantics: a masked step keeps the states and repeats the previous output."""
    if go_backwards:
        x = x[:, ::-1]
        mask = None if mask is None else mask[:, ::-1]
    outputs, previous = [], np.zeros_like(states[0])
    for t in range(x.shape[1]):
        output, new_states = step(x[:, t], states, *weights)
        if mask is not None:
            keep = mask[:, t : t + 1]
            output = np.where(keep, output, previous)
            new_states = [np.where(keep, n, s) for n, s in zip(new_states, states)]
        states, previous = new_states, output
        outputs.append(output)
    return np.stack(outputs, axis=1), states


REFERENCES = {"LSTM": np_lstm_step, "GRU": np_gru_step, "SimpleRNN": np_simple_step}
STATE_COUNT = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}


def random_weights(layer):
    return [rng.normal(scale=0.4, size=w.shape).astype(np.float32) for w in layer.get_weights()]


def built(name, units=5, features=3, batch=1, **kwargs):
    layer = getattr(layers, name)(units, **kwargs)
    layer(torch.zeros(batch, 2, features))
    layer.set_weights(random_weights(layer))
    return layer


def masks(batch=4, steps=7):
    right = np.ones((batch, steps), bool)
    right[0, 4:] = False
    right[1, 1:] = False
    right[3, :] = False  # a sequence with no valid step
    left = right[:, ::-1].copy()
    holes = right.copy()
    holes[2, 2] = holes[2, 5] = False
    return {"right": right, "left": left, "holes": holes}


def uses_fused_kernel(layer, *args, **kwargs):
    with torch.autograd.profiler.profile() as profile:
        layer(*args, **kwargs)
    names = {event.name for event in profile.function_events}
    return bool(names & {"aten::lstm", "aten::gru", "aten::rnn_tanh", "aten::rnn_relu"})


# ----------------------------------------------------------------------- tests
@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("mask_kind", [None, "right", "left", "holes"])
def test_matches_numpy_reference_on_both_paths(name, go_backwards, mask_kind):
    x = rng.normal(size=(4, 7, 3)).astype(np.float32)
    mask = None if mask_kind is None else masks()[mask_kind]
    fused = built(name, return_sequences=True, return_state=True, go_backwards=go_backwards)
    general = getattr(layers, name).from_config({**fused.get_config(), "use_cudnn": False})
    general(torch.zeros(1, 2, 3))
    general.set_weights(fused.get_weights())
    states0 = [rng.normal(size=(4, 5)).astype(np.float32) for _ in range(STATE_COUNT[name])]
    expected_outputs, expected_states = np_rnn(
        REFERENCES[name], x, fused.get_weights(), states0, mask, go_backwards
    )
    kwargs = {"initial_state": [T(s) for s in states0], "mask": None if mask is None else T(mask)}
    for layer in (fused, general):
        outputs, *states = layer(T(x), **kwargs)
        np.testing.assert_allclose(outputs.detach().numpy(), expected_outputs, atol=2e-5)
        for state, expected in zip(states, expected_states):
            np.testing.assert_allclose(state.detach().numpy(), expected, atol=2e-5)
    assert uses_fused_kernel(fused, T(x), **kwargs) == (mask_kind != "holes")
    assert not uses_fused_kernel(general, T(x), **kwargs)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_fused_and_general_paths_have_equal_gradients_with_padding(name):
    x = T(rng.normal(size=(4, 7, 3)).astype(np.float32))
    mask = T(masks()["left"])
    fused = built(name, return_sequences=True)
    general = getattr(layers, name)(5, return_sequences=True, use_cudnn=False)
    general(x)
    general.set_weights(fused.get_weights())
    grads = []
    for layer in (fused, general):
        (layer(x, mask=mask) ** 2).sum().backward()
        grads.append([p.grad.clone() for p in layer.parameters()])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_lstm_storage_is_nn_lstm_layout():
    layer = built("LSTM", units=6, features=4)
    reference = torch.nn.LSTM(4, 6, batch_first=True)
    cell = layer.cell
    reference.load_state_dict(
        {
            "weight_ih_l0": cell.kernel.detach(),
            "weight_hh_l0": cell.recurrent_kernel.detach(),
            "bias_ih_l0": cell.bias.detach(),
            "bias_hh_l0": torch.zeros(24),
        }
    )
    x = torch.randn(3, 5, 4)
    out, (h, c) = reference(x)
    torch.testing.assert_close(layer(x), h[0])


def test_gru_storage_is_nn_gru_layout_and_keras_gate_order_is_converted():
    layer = built("GRU", units=6, features=4)
    reference = torch.nn.GRU(4, 6, batch_first=True)
    cell = layer.cell
    reference.load_state_dict(
        {
            "weight_ih_l0": cell.kernel.detach(),
            "weight_hh_l0": cell.recurrent_kernel.detach(),
            "bias_ih_l0": cell.bias[0].detach(),
            "bias_hh_l0": cell.bias[1].detach(),
        }
    )
    x = torch.randn(3, 5, 4)
    torch.testing.assert_close(layer(x), reference(x)[1][0])
    kernel = layer.get_weights()[0]  # Keras order (z, r, h); torch rows (r, z, n)
    np.testing.assert_array_equal(kernel[:, :6], cell.kernel[6:12].detach().numpy().T)
    np.testing.assert_array_equal(kernel[:, 6:12], cell.kernel[:6].detach().numpy().T)


def test_simple_rnn_storage_is_nn_rnn_layout_and_relu_is_fused():
    layer = built("SimpleRNN", units=6, features=4, activation="relu")
    reference = torch.nn.RNN(4, 6, nonlinearity="relu", batch_first=True)
    cell = layer.cell
    reference.load_state_dict(
        {
            "weight_ih_l0": cell.kernel.detach(),
            "weight_hh_l0": cell.recurrent_kernel.detach(),
            "bias_ih_l0": cell.bias.detach(),
            "bias_hh_l0": torch.zeros(6),
        }
    )
    x = torch.randn(3, 5, 4)
    torch.testing.assert_close(layer(x), reference(x)[1][0])
    assert uses_fused_kernel(layer, x)


@pytest.mark.parametrize(
    "layout, keras_shape", [("rnn_kernel", (3, 20)), ("gru_kernel", (3, 15)), ("gru_bias", (2, 15)), ("gru_bias", (15,))]
)
def test_recurrent_layouts_round_trip_on_numpy_and_torch(layout, keras_shape):
    value = rng.normal(size=keras_shape).astype(np.float32)
    stored = layouts.from_keras(layout, value)
    np.testing.assert_array_equal(layouts.to_keras(layout, stored), value)
    np.testing.assert_array_equal(layouts.to_keras(layout, torch.as_tensor(stored)).numpy(), value)
    assert layouts.keras_shape(layout, stored.shape) == keras_shape


def test_gru_reset_before_matches_numpy_reference():
    layer = built("GRU", reset_after=False, return_sequences=True)
    assert layer.get_weights()[2].shape == (15,)
    x = rng.normal(size=(2, 6, 3)).astype(np.float32)
    expected, _ = np_rnn(np_gru_v1_step, x, layer.get_weights(), [np.zeros((2, 5), np.float32)])
    np.testing.assert_allclose(layer(T(x)).detach().numpy(), expected, atol=2e-5)
    assert not uses_fused_kernel(layer, T(x))


def test_non_default_activation_runs_step_by_step_and_matches_numpy():
    layer = built("LSTM", activation="relu", return_sequences=True)
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)

    def relu_lstm(x, states, kernel, recurrent, bias):
        h, c = states
        i, f, g, o = np.split(x @ kernel + h @ recurrent + bias, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.maximum(g, 0)
        h = sigmoid(o) * np.maximum(c, 0)
        return h, [h, c]

    zeros = [np.zeros((2, 5), np.float32)] * 2
    expected, _ = np_rnn(relu_lstm, x, layer.get_weights(), zeros)
    np.testing.assert_allclose(layer(T(x)).detach().numpy(), expected, atol=2e-5)
    assert not uses_fused_kernel(layer, T(x))


def test_keras_defaults_unit_forget_bias_and_orthogonal_recurrent_kernel():
    layer = layers.LSTM(4)
    layer(torch.zeros(1, 2, 3))
    kernel, recurrent, bias = layer.get_weights()
    np.testing.assert_array_equal(bias, [0] * 4 + [1] * 4 + [0] * 8)
    assert np.abs(kernel).max() <= np.sqrt(6 / (3 + 16))
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(4), atol=1e-5)


# ------------------------------------------------------------- Keras as oracle
@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_keras_oracle_with_mask_and_states(name):
    x = rng.normal(size=(4, 7, 3)).astype(np.float32)
    mask = masks()["holes"]
    ours = built(name, return_sequences=True, return_state=True)
    theirs = getattr(keras.layers, name)(5, return_sequences=True, return_state=True)
    theirs(x)
    theirs.set_weights(ours.get_weights())
    for m in (None, mask):
        expected = theirs(x, mask=m)
        got = ours(T(x), mask=None if m is None else T(m))
        for a, b in zip(expected, got):
            np.testing.assert_allclose(keras.ops.convert_to_numpy(a), b.detach().numpy(), atol=2e-5)
    assert [w.shape for w in theirs.get_weights()] == [w.shape for w in ours.get_weights()]


def test_keras_oracle_gru_without_reset_after():
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    ours = built("GRU", reset_after=False)
    theirs = keras.layers.GRU(5, reset_after=False)
    theirs(x)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs(x)), ours(T(x)).detach().numpy(), atol=2e-5)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_matches_keras(merge_mode):
    x = rng.normal(size=(4, 7, 3)).astype(np.float32)
    mask = masks()["right"]
    ours = layers.Bidirectional(layers.LSTM(5, return_sequences=True), merge_mode=merge_mode)
    ours(T(x))
    ours.set_weights([rng.normal(scale=0.4, size=w.shape).astype(np.float32) for w in ours.get_weights()])
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(5, return_sequences=True), merge_mode=merge_mode)
    theirs(x)
    theirs.set_weights(ours.get_weights())
    expected = theirs(x, mask=mask)
    got = ours(T(x), mask=T(mask))
    expected = expected if isinstance(expected, (list, tuple)) else [expected]
    got = got if isinstance(got, (list, tuple)) else [got]
    for a, b in zip(expected, got):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(a), b.detach().numpy(), atol=2e-5)


def test_bidirectional_return_state_and_weights_order():
    layer = layers.Bidirectional(layers.GRU(4, return_state=True))
    out, forward_h, backward_h = layer(torch.randn(2, 5, 3))
    assert out.shape == (2, 8) and forward_h.shape == backward_h.shape == (2, 4)
    torch.testing.assert_close(out, torch.cat([forward_h, backward_h], dim=-1))
    names = [layer.forward_layer.name, layer.backward_layer.name]
    assert names[0].startswith("forward_") and names[1].startswith("backward_")
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    assert len(layer.get_weights()) == 6
    assert layer.compute_output_shape((None, 5, 3)) == ((None, 8), (None, 4), (None, 4))


def test_masked_text_classifier_ignores_amount_of_post_padding():
    model = lamina.Sequential(
        [
            lamina.Input(shape=(None,), dtype="int32"),
            layers.Embedding(30, 6, mask_zero=True),
            layers.Bidirectional(layers.LSTM(5)),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    tokens = [[3, 7, 9, 2], [5, 1], [8, 8, 8, 8, 4, 2]]
    predictions = []
    for length in (6, 9, 13):
        padded = lamina.utils.pad_sequences(tokens, maxlen=length, padding="post")
        predictions.append(model.predict(padded, verbose=0))
    np.testing.assert_allclose(predictions[0], predictions[1], atol=1e-6)
    np.testing.assert_allclose(predictions[0], predictions[2], atol=1e-6)
    theirs = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(30, 6, mask_zero=True),
            keras.layers.Bidirectional(keras.layers.LSTM(5)),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    theirs.set_weights(model.get_weights())
    padded = lamina.utils.pad_sequences(tokens, maxlen=9, padding="post")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs(padded)), predictions[1], atol=1e-5)


# -------------------------------------------------------- options and states
def test_stateful_layer_continues_sequences_and_resets():
    layer = built("LSTM", stateful=True, batch=2)
    reference = layers.LSTM(5)
    reference(torch.zeros(1, 2, 3))
    reference.set_weights(layer.get_weights())
    x = torch.randn(2, 8, 3)
    layer.reset_states()
    layer(x[:, :4])
    torch.testing.assert_close(layer(x[:, 4:]), reference(x))
    layer.reset_states()
    torch.testing.assert_close(layer(x[:, :4]), reference(x[:, :4]))
    with pytest.raises(InputError, match="stateful with batch size 2.*batch_size=2"):
        layer(torch.randn(3, 4, 3))
    with pytest.raises(ConfigurationError, match="stateful=True"):
        layers.GRU(3).reset_states()


def test_stateful_batch_size_from_input_shape_and_training_does_not_backprop_across_batches():
    model = lamina.Sequential([layers.GRU(4, stateful=True, batch_input_shape=(2, 3, 2)), layers.Dense(1)])
    assert model.layers[0].states[0].shape == (2, 4)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3, 2)), np.zeros((4, 1)), batch_size=2, epochs=2, shuffle=False, verbose=0)
    assert not model.layers[0].states[0].requires_grad


def test_dropout_mask_is_shared_by_time_and_both_paths_draw_the_same_one():
    x = torch.randn(3, 6, 4)
    fused = layers.LSTM(5, dropout=0.5, return_sequences=True)
    fused(x)
    general = layers.LSTM(5, dropout=0.5, return_sequences=True, use_cudnn=False)
    general(x)
    general.set_weights(fused.get_weights())
    lamina.utils.set_random_seed(7)
    a = fused(x, training=True)
    lamina.utils.set_random_seed(7)
    b = general(x, training=True)
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(fused(x), general(x))
    assert not torch.allclose(a, fused(x))


def test_recurrent_dropout_runs_step_by_step_and_is_off_in_inference():
    layer = built("GRU", recurrent_dropout=0.3)
    x = torch.randn(2, 5, 3)
    assert not uses_fused_kernel(layer, x)
    torch.testing.assert_close(layer(x), layer(x))
    reference = built("GRU")
    reference.set_weights(layer.get_weights())
    torch.testing.assert_close(layer(x), reference(x))


def test_zero_output_for_mask_and_output_mask():
    x = torch.randn(4, 7, 3)
    mask = T(masks()["right"])
    layer = built("SimpleRNN", return_sequences=True, zero_output_for_mask=True)
    out = layer(x, mask=mask)
    assert torch.all(out[~mask] == 0)
    assert torch.equal(out._keras_mask, mask)
    assert getattr(built("SimpleRNN")(x, mask=mask), "_keras_mask", None) is None


def test_generic_rnn_with_custom_cell_matches_numpy():
    class MinimalRNNCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.add_weight(shape=(input_shape[-1], self.units), name="kernel", layout="dense_kernel")
            self.add_weight(shape=(self.units, self.units), name="recurrent_kernel", layout="dense_kernel")

        def call(self, inputs, states):
            output = torch.nn.functional.linear(inputs, self.kernel) + torch.nn.functional.linear(
                states[0], self.recurrent_kernel
            )
            return output, [output]

    layer = layers.RNN(MinimalRNNCell(4), return_sequences=True)
    x = rng.normal(size=(4, 7, 3)).astype(np.float32)
    mask = masks()["holes"]
    out = layer(T(x), mask=T(mask))
    kernel, recurrent = layer.get_weights()

    def step(x, states, kernel, recurrent):
        h = x @ kernel + states[0] @ recurrent
        return h, [h]

    expected, _ = np_rnn(step, x, [kernel, recurrent], [np.zeros((4, 4), np.float32)], mask)
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-5)


def test_stacked_cells_equal_two_stacked_layers():
    x = torch.randn(2, 5, 3)
    stacked = layers.RNN([layers.LSTMCell(4), layers.GRUCell(6)], return_state=True)
    out, h1, c1, h2 = stacked(x)
    first, second = layers.LSTM(4, return_sequences=True), layers.GRU(6)
    second(first(x))
    first.set_weights(stacked.get_weights()[:3])
    second.set_weights(stacked.get_weights()[3:])
    torch.testing.assert_close(out, second(first(x)))
    torch.testing.assert_close(out, h2)


def test_time_distributed_dense_and_mask():
    layer = layers.TimeDistributed(layers.Dense(4))
    x = torch.randn(2, 5, 3)
    x._keras_mask = torch.ones(2, 5, dtype=torch.bool)
    out = layer(x)
    torch.testing.assert_close(out, layer.layer(x.reshape(10, 3)).reshape(2, 5, 4))
    assert out._keras_mask is x._keras_mask
    assert layer.compute_output_shape((None, 5, 3)) == (None, 5, 4)


# ----------------------------------------------------------------- errors
def test_two_dimensional_input_says_what_shape_is_needed():
    with pytest.raises(InputError, match=r"\(batch, timesteps, features\).*\(batch, 28\)"):
        layers.LSTM(4)(torch.zeros(8, 28))
    with pytest.raises(InputError, match=r"\(batch, timesteps, features\)"):
        lamina.Sequential([layers.GRU(3, input_shape=(28,))])


def test_mask_of_wrong_shape_is_refused():
    layer = built("LSTM")
    with pytest.raises(InputError, match=r"mask must have shape \(batch, timesteps\) = \(2, 6\).*\(2, 5\)"):
        layer(torch.zeros(2, 6, 3), mask=torch.ones(2, 5, dtype=torch.bool))


def test_initial_state_count_and_shapes_are_checked():
    layer = built("LSTM")
    x = torch.zeros(2, 6, 3)
    with pytest.raises(InputError, match=r"2 state\(s\).*list of 2 tensor\(s\). Received 1"):
        layer(x, initial_state=[torch.zeros(2, 5)])
    with pytest.raises(InputError, match=r"initial_state\[1\] must have shape.*\(2, 5\). Received shape \(2, 4\)"):
        layer(x, initial_state=[torch.zeros(2, 5), torch.zeros(2, 4)])


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: layers.LSTM(0), "units must be a positive integer"),
        (lambda: layers.GRU(3, dropout=1.5), "dropout must be a number in"),
        (lambda: layers.SimpleRNN(3, use_cudnn="yes"), "use_cudnn"),
        (lambda: layers.Bidirectional(layers.Dense(3)), "must be a recurrent layer"),
        (lambda: layers.Bidirectional(layers.LSTM(3), merge_mode="max"), "merge_mode"),
        (lambda: layers.RNN(object()), "state_size"),
    ],
)
def test_bad_arguments_raise_configuration_errors(make, match):
    with pytest.raises(ConfigurationError, match=match):
        make()


# ---------------------------------------------------- config, symbolic, fit
@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.LSTM(3, return_sequences=True, dropout=0.1, unit_forget_bias=False),
        lambda: layers.GRU(3, reset_after=False, go_backwards=True),
        lambda: layers.SimpleRNN(2, activation="relu", stateful=True),
        lambda: layers.RNN([layers.LSTMCell(3), layers.SimpleRNNCell(2)], return_state=True),
        lambda: layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="sum"),
        lambda: layers.TimeDistributed(layers.Dense(3)),
    ],
)
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_symbolic_calls_with_states_and_initial_state():
    x = lamina.Input(shape=(6, 3))
    h0, c0 = lamina.Input(shape=(5,)), lamina.Input(shape=(5,))
    lstm = layers.LSTM(5, return_sequences=True, return_state=True)
    outputs, h, c = lstm(x, initial_state=[h0, c0])
    assert outputs.shape == (None, 6, 5) and h.shape == c.shape == (None, 5)
    model = lamina.Model([x, h0, c0], [outputs, h])
    data = [torch.randn(2, 6, 3), torch.randn(2, 5), torch.randn(2, 5)]
    got = model(data)
    expected = lstm(data[0], initial_state=data[1:])
    torch.testing.assert_close(got[0], expected[0])
    torch.testing.assert_close(got[1], expected[1])


def test_lstm_classifier_trains():
    data = np.random.default_rng(1).normal(size=(64, 5, 3)).astype(np.float32)
    labels = (data[:, :, 0].sum(axis=1) > 0).astype(np.int64)
    model = lamina.Sequential([layers.LSTM(8, input_shape=(5, 3)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(data, labels, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
