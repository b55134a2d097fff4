import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError


class Scale(layers.Layer):
    def build(self, input_shape):
        self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")
        self.add_weight(shape=(input_shape[-1],), initializer="zeros", trainable=False, name="seen")

    def call(self, inputs):
        return inputs * self.scale + self.seen


def test_layer_is_a_torch_module_and_builds_lazily():
    layer = Scale()
    assert isinstance(layer, torch.nn.Module)
    assert not layer.built
    out = layer(torch.ones(2, 3))
    assert layer.built and out.shape == (2, 3)
    assert isinstance(layer.scale, torch.nn.Parameter)
    assert "seen" in dict(layer.named_buffers())
    assert set(layer.state_dict()) == {"scale", "seen"}


def test_weights_order_trainable_then_non_trainable_and_count_params():
    layer = Scale()
    layer(torch.ones(1, 4))
    assert [tuple(w.shape) for w in layer.weights] == [(4,), (4,)]
    assert layer.trainable_weights[0] is layer.scale
    assert layer.non_trainable_weights[0] is layer.seen
    assert layer.count_params() == 8
    # Keras's other names for the same lists, as custom training loops spell them
    assert layer.trainable_variables == [layer.scale] and layer.non_trainable_variables == [layer.seen]


def test_trainable_flag_freezes_parameters():
    layer = Scale()
    layer(torch.ones(1, 2))
    layer.trainable = False
    assert not layer.scale.requires_grad
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    layer.trainable = True
    assert layer.scale.requires_grad


def test_set_weights_checks_everything_before_writing():
    layer = Scale()
    layer(torch.ones(1, 2))
    before = layer.get_weights()
    with pytest.raises(InputError, match="weight 'seen' has shape"):
        layer.set_weights([np.full(2, 5.0), np.zeros(3)])
    np.testing.assert_array_equal(layer.get_weights()[0], before[0])
    with pytest.raises(InputError, match="expects 2 arrays"):
        layer.set_weights([np.ones(2)])
    layer.set_weights([np.full(2, 2.0), np.full(2, 1.0)])
    np.testing.assert_allclose(layer(torch.ones(1, 2)).detach().numpy(), [[3.0, 3.0]])


def test_forgetting_super_init_is_explained():
    class Broken(layers.Layer):
        def __init__(self, units):
            self.units = units

        def call(self, inputs):
            return inputs

    with pytest.raises(ConfigurationError, match=r"super\(\).__init__"):
        Broken(3)(torch.ones(1, 1))


def test_unknown_keyword_argument_is_named():
    with pytest.raises(ConfigurationError, match="unexpected keyword argument.*units_typo"):
        layers.Dense(3, units_typo=4)


def test_count_params_before_build_says_how_to_fix():
    with pytest.raises(ConfigurationError, match="not built yet"):
        layers.Dense(3).count_params()


def test_unique_default_names():
    assert [layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]


def test_layers_start_in_inference_mode_like_keras():
    layer = layers.Dropout(0.5)
    x = torch.ones(100, 10)
    assert torch.equal(layer(x), x)
    assert not torch.equal(layer(x, training=True), x)
    layer.train()
    assert not torch.equal(layer(x), x)


def test_config_round_trip_of_core_layers():
    for layer in [
        layers.Dense(4, activation="relu", use_bias=False),
        layers.Dropout(0.3, noise_shape=(None, 1)),
        layers.Activation("tanh"),
        layers.Flatten(),
        layers.Reshape((2, -1)),
    ]:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config


def test_input_returns_symbolic_tensor():
    x = lamina.Input(shape=(28, 28))
    assert x.shape == (None, 28, 28)
    with pytest.raises(TypeError, match="no value"):
        bool(x)


def test_calling_build_yourself_leaves_the_layer_built_so_set_weights_lasts():
    """Keras's rule: layer.build(shape) marks the layer built; the first call must not rebuild
    it and throw away weights set in between (it did, silently)."""
    dense = lamina.layers.Dense(3)
    dense.build((None, 4))
    assert dense.built
    dense.set_weights([np.ones((4, 3), "float32"), np.zeros(3, "float32")])
    np.testing.assert_array_equal(dense(np.ones((1, 4), "float32")).detach().numpy(), [[4.0, 4.0, 4.0]])

    class Scale(lamina.layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="zeros")

        def call(self, x):
            return x * self.scale

    scale = Scale()
    scale.build((None, 2))
    scale.set_weights([np.array([2.0, 3.0], "float32")])
    np.testing.assert_array_equal(scale(np.ones((1, 2), "float32")).detach().numpy(), [[2.0, 3.0]])
