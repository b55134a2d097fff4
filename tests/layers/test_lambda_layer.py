"""Lambda: calls, shapes, masks, and configs that refuse bytecode in safe mode."""

import base64
import json
import marshal

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, SavingError
from lamina.saving import in_safe_mode, safe_mode_scope


def json_round_trip(config):
    return json.loads(json.dumps(config))


def scaled_tanh(x, scale=1.0):
    return torch.tanh(x) * scale


@lamina.saving.register_keras_serializable(package="lambda_tests")
def registered_square(x):
    return x * x


# ------------------------------------------------------------------ calling
def test_call_runs_the_function_with_arguments():
    x = torch.randn(3, 4)
    layer = layers.Lambda(scaled_tanh, arguments={"scale": 2.5})
    torch.testing.assert_close(layer(x), torch.tanh(x) * 2.5)


def test_symbolic_call_infers_or_takes_the_output_shape():
    x = lamina.Input((6,))
    assert layers.Lambda(lambda t: t[:, :2] * 2)(x).shape == (None, 2)
    assert layers.Lambda(lambda t: t, output_shape=(3, 2))(x).shape == (None, 3, 2)
    assert layers.Lambda(lambda t: t, output_shape=lambda s: (s[0], 7))(x).shape == (None, 7)
    first, second = layers.Lambda(lambda t: (t, t[:, :1]), output_shape=((6,), (1,)))(x)
    assert first.shape == (None, 6) and second.shape == (None, 1)
    listed = layers.Lambda(lambda t: [t, t[:, :2]])(x)
    assert [t.shape for t in listed] == [(None, 6), (None, 2)]


def test_training_and_mask_reach_a_function_that_asks_for_them():
    seen = {}

    def spy(x, training=None, mask=None):
        seen.update(training=training, mask=mask)
        return x * 1

    layer = layers.Lambda(spy)
    x = torch.ones(2, 3, 4)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    layer(x, training=True)
    assert seen["training"] is True and torch.equal(seen["mask"], x._keras_mask)
    assert getattr(layer(x), "_keras_mask", None) is None  # no `mask=` argument: masks stop here


def test_mask_argument_makes_the_output_mask():
    x = torch.tensor([[[1.0], [0.0], [2.0]]])
    by_function = layers.Lambda(lambda t: t * 2, mask=lambda inputs, mask: inputs[..., 0] != 0)(x)
    np.testing.assert_array_equal(by_function._keras_mask.numpy(), [[True, False, True]])
    fixed = torch.tensor([[False, True, True]])
    assert torch.equal(layers.Lambda(lambda t: t, mask=fixed)(x)._keras_mask, fixed)


def test_lambda_trains_inside_a_model():
    inputs = lamina.Input((5,))
    hidden = layers.Dense(4, name="first")(inputs)
    doubled = layers.Lambda(lambda t: 2.0 * torch.relu(t), name="double")(hidden)
    model = lamina.Model(inputs, layers.Dense(1)(doubled))
    model.compile(lamina.optimizers.SGD(0.05), "mse")
    x = np.random.default_rng(0).normal(size=(32, 5)).astype(np.float32)
    before = model.get_layer("first").get_weights()[0].copy()
    model.fit(x, x[:, :1], epochs=1, batch_size=8, verbose=0)
    assert not np.allclose(model.get_layer("first").get_weights()[0], before)
    hidden_value = model.get_layer("first")(torch.from_numpy(x))
    torch.testing.assert_close(model.get_layer("double")(hidden_value), 2.0 * torch.relu(hidden_value))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"function": 3}, r"function must be callable.*Received: function=3"),
        ({"function": abs, "output_shape": "wide"}, r"output_shape.*Received: output_shape='wide'"),
        ({"function": abs, "arguments": [1]}, r"arguments must be a dict.*Received: arguments=\[1\]"),
    ],
)
def test_bad_arguments_are_configuration_errors(kwargs, message):
    with pytest.raises(ConfigurationError, match=message):
        layers.Lambda(**kwargs)


# ------------------------------------------------------------------ configs
def test_python_lambda_is_saved_as_base64_marshal_bytecode():
    layer = layers.Lambda(lambda x: x + 1, output_shape=(4,))
    config = json_round_trip(layer.get_config())
    function = config["function"]
    assert function["class_name"] == "__lambda__"
    code = marshal.loads(base64.decodebytes(function["config"]["code"].encode("ascii")))
    assert code.co_name == "<lambda>"
    assert config["output_shape"] == [4] and config["arguments"] == {}


def test_lambda_bytecode_is_refused_in_safe_mode_with_the_way_out():
    config = json_round_trip(layers.Lambda(lambda x: x + 1).get_config())
    assert in_safe_mode()
    with pytest.raises(SavingError, match=r"run code.*safe_mode=False.*register_keras_serializable"):
        layers.Lambda.from_config(config)
    with pytest.raises(SavingError, match="refused in safe mode"):
        layers.Lambda.from_config(config, safe_mode=True)
    with safe_mode_scope(False), pytest.raises(SavingError, match="refused in safe mode"):
        layers.Lambda.from_config(config, safe_mode=True)


def test_lambda_bytecode_loads_when_safe_mode_is_off():
    offset = 0.25

    def make(scale):
        return layers.Lambda(lambda x, power=2: torch.tanh(x**power * scale) + offset, output_shape=(4,))

    layer = make(3.0)
    config = json_round_trip(layer.get_config())
    x = torch.randn(2, 4)
    restored = layers.Lambda.from_config(config, safe_mode=False)
    torch.testing.assert_close(restored(x), layer(x))
    with safe_mode_scope(False):
        assert not in_safe_mode()
        torch.testing.assert_close(layers.Lambda.from_config(config)(x), layer(x))
    assert in_safe_mode()
    saved_again = restored.get_config()["function"]["config"]
    assert saved_again["defaults"] == [2] and saved_again["closure"] == [0.25, 3.0]
    code = marshal.loads(base64.decodebytes(saved_again["code"].encode("ascii")))
    assert code == layer.function.__code__


def test_generic_loader_honours_the_scope():
    config = {"class_name": "Lambda", "config": json_round_trip(layers.Lambda(lambda x: -x).get_config())}
    with pytest.raises(SavingError, match="safe mode"):
        lamina.serialization.deserialize_layer(config)
    with safe_mode_scope(False):
        restored = lamina.serialization.deserialize_layer(config)
    torch.testing.assert_close(restored(torch.ones(2)), -torch.ones(2))


def test_unreadable_bytecode_names_the_python_version():
    config = json_round_trip(layers.Lambda(lambda x: x).get_config())
    config["function"]["config"]["code"] = base64.encodebytes(b"\x00not marshal").decode("ascii")
    with pytest.raises(SavingError, match=r"Python version that wrote it \(this is Python 3\."):
        layers.Lambda.from_config(config, safe_mode=False)


def test_named_functions_are_saved_by_name_and_load_in_safe_mode():
    registered = layers.Lambda(registered_square)
    config = json_round_trip(registered.get_config())
    assert config["function"] == {
        "module": "builtins",
        "class_name": "function",
        "config": "lambda_tests>registered_square",
        "registered_name": "function",
    }
    assert layers.Lambda.from_config(config).function is registered_square

    plain = json_round_trip(layers.Lambda(scaled_tanh, arguments={"scale": 2.0}).get_config())
    assert plain["function"]["config"] == "scaled_tanh"
    with pytest.raises(SavingError, match=r"custom_objects=\{'scaled_tanh': scaled_tanh\}"):
        layers.Lambda.from_config(plain)
    restored = layers.Lambda.from_config(plain, custom_objects={"scaled_tanh": scaled_tanh})
    torch.testing.assert_close(restored(torch.ones(2)), torch.tanh(torch.ones(2)) * 2.0)

    relu = json_round_trip(layers.Lambda(lamina.activations.relu).get_config())
    assert relu["function"]["config"] == "relu"
    assert layers.Lambda.from_config(relu).function is lamina.activations.relu


def test_array_arguments_and_mask_round_trip():
    weights = np.arange(4, dtype=np.float32)
    fixed = torch.tensor([[True, False]])
    layer = layers.Lambda(scaled_tanh, mask=fixed, arguments={"scale": weights})
    config = json_round_trip(layer.get_config())
    assert config["arguments"]["scale"]["class_name"] == "__numpy__"
    restored = layers.Lambda.from_config(config, custom_objects={"scaled_tanh": scaled_tanh})
    np.testing.assert_array_equal(restored.arguments["scale"], weights)
    assert torch.equal(restored.mask, fixed)


def test_configs_are_interchangeable_with_keras():
    x = torch.randn(3, 4)
    ours = layers.Lambda(lambda t, a: t * a + 1, output_shape=(4,), arguments={"a": 3.0})
    theirs = keras.layers.Lambda.from_config(json_round_trip(ours.get_config()), safe_mode=False)
    torch.testing.assert_close(keras.ops.convert_to_tensor(theirs(x)).cpu(), ours(x))

    keras_layer = keras.layers.Lambda(lambda t, a: t * a - 1, output_shape=(4,), arguments={"a": 2.0})
    config = json_round_trip(keras_layer.get_config())
    with pytest.raises(SavingError, match="safe mode"):
        layers.Lambda.from_config(config)
    restored = layers.Lambda.from_config(config, safe_mode=False)
    torch.testing.assert_close(restored(x), keras.ops.convert_to_tensor(keras_layer(x)).cpu())
    assert restored.dtype == "float32" and restored(lamina.Input((4,))).shape == (None, 4)
