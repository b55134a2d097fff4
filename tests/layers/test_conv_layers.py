"""Convolution layers against torch.nn.functional and real Keras 3, in both data formats."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from oracle import layer_against_keras

import lamina
from lamina import layers, layouts
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(0)


def check_against_keras(name, kwargs, shape):
    x = rng.normal(size=shape).astype(np.float32)
    layer, out = layer_against_keras(name, kwargs, x, atol=1e-5, rtol=1e-5, check_output_shape=True)
    return layer, x, out


def images(data_format, shape=(2, 9, 8, 3)):
    return shape if data_format == "channels_last" else (shape[0], shape[-1], *shape[1:-1])


FORMATS = ["channels_last", "channels_first"]


# ---- numerics vs Keras ------------------------------------------------------------------


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize(
    "kernel_size, strides, dilation_rate",
    [(3, 1, 1), (4, 1, 1), (3, 2, 1), (4, 2, 1), ((2, 3), (3, 1), 1), (3, 1, 2)],
)
def test_conv2d_matches_keras(data_format, padding, kernel_size, strides, dilation_rate):
    kwargs = dict(filters=4, kernel_size=kernel_size, strides=strides, padding=padding,
                  dilation_rate=dilation_rate, data_format=data_format)
    check_against_keras("Conv2D", kwargs, images(data_format))


@pytest.mark.parametrize("data_format", FORMATS)
def test_conv2d_groups_and_softmax_activation_match_keras(data_format):
    kwargs = dict(filters=6, kernel_size=3, groups=3, activation="softmax", padding="same",
                  data_format=data_format)
    layer, _, out = check_against_keras("Conv2D", kwargs, images(data_format, (2, 6, 5, 3)))
    # The activation sees the output in the layer's own format: softmax runs over the last
    # axis (the channels only for channels_last), exactly as in Keras.
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, atol=1e-5)
    assert layer.kernel.shape == (6, 1, 3, 3)  # torch layout (out, in / groups, kh, kw)


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        (dict(filters=4, kernel_size=3, padding="causal", dilation_rate=2), (2, 10, 3)),
        (dict(filters=4, kernel_size=4, padding="causal", strides=2), (2, 10, 3)),
        (dict(filters=4, kernel_size=2, padding="same", strides=3), (2, 10, 3)),
        (dict(filters=4, kernel_size=3, data_format="channels_first"), (2, 3, 10)),
    ],
)
def test_conv1d_matches_keras(kwargs, shape):
    check_against_keras("Conv1D", kwargs, shape)


@pytest.mark.parametrize("data_format", FORMATS)
def test_conv3d_matches_keras(data_format):
    shape = (2, 5, 6, 4, 3) if data_format == "channels_last" else (2, 3, 5, 6, 4)
    kwargs = dict(filters=4, kernel_size=(2, 3, 2), strides=2, padding="same", data_format=data_format)
    check_against_keras("Conv3D", kwargs, shape)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize(
    "kernel_size, strides, output_padding",
    [(3, 2, None), (4, 2, None), (3, 2, 1), (2, 3, None), (1, 2, None), (5, 3, 2), (4, 1, 0)],
)
def test_conv2d_transpose_matches_keras(data_format, padding, kernel_size, strides, output_padding):
    kwargs = dict(filters=4, kernel_size=kernel_size, strides=strides, padding=padding,
                  output_padding=output_padding, data_format=data_format)
    layer, _, _ = check_against_keras("Conv2DTranspose", kwargs, images(data_format, (2, 5, 4, 3)))
    assert layer.kernel.shape[:2] == (3, 4)  # torch conv_transpose layout (in, out, ...)


def test_conv1d_and_conv3d_transpose_match_keras():
    check_against_keras("Conv1DTranspose", dict(filters=3, kernel_size=3, strides=2), (2, 5, 2))
    check_against_keras(
        "Conv3DTranspose", dict(filters=2, kernel_size=(2, 3, 2), strides=2, padding="same"),
        (1, 3, 4, 2, 3),
    )


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel_size, strides, depth_multiplier", [(3, 1, 1), (4, 2, 2), (3, 2, 3)])
def test_depthwise_and_separable_match_keras(data_format, padding, kernel_size, strides,
                                             depth_multiplier):
    common = dict(kernel_size=kernel_size, strides=strides, padding=padding,
                  depth_multiplier=depth_multiplier, data_format=data_format)
    shape = images(data_format)
    depthwise, _, _ = check_against_keras("DepthwiseConv2D", common, shape)
    assert depthwise.kernel.shape == (3 * depth_multiplier, 1, *depthwise.kernel_size)
    check_against_keras("SeparableConv2D", dict(common, filters=5), shape)


def test_depthwise_conv1d_and_separable_conv1d_match_keras():
    check_against_keras("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2), (2, 7, 3))
    check_against_keras("SeparableConv1D", dict(filters=4, kernel_size=3, padding="same"), (2, 7, 3))


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("data_format", FORMATS)
def test_depthwise_and_separable_take_strides_with_dilation_as_keras_computes_them(padding, data_format):
    # Keras refuses strides > 1 with dilation_rate > 1 for Conv*, but computes them here.
    common = dict(kernel_size=3, strides=2, dilation_rate=2, padding=padding, data_format=data_format)
    check_against_keras("DepthwiseConv2D", dict(common, depth_multiplier=2), images(data_format, (2, 11, 10, 3)))
    check_against_keras("SeparableConv2D", dict(common, filters=4), images(data_format, (2, 11, 10, 3)))
    shape_1d = (2, 13, 3) if data_format == "channels_last" else (2, 3, 13)
    check_against_keras("DepthwiseConv1D", common, shape_1d)
    check_against_keras("SeparableConv1D", dict(common, filters=2), shape_1d)


# ---- numerics vs torch.nn.functional and across data formats -----------------------------


def test_conv2d_is_f_conv2d_with_its_own_weights():
    layer = layers.Conv2D(5, 3, strides=2, data_format="channels_first")
    x = torch.randn(2, 3, 11, 9)
    torch.testing.assert_close(layer(x), F.conv2d(x, layer.kernel, layer.bias, stride=2))
    channels_last = layers.Conv2D(5, 3, strides=2)
    channels_last(x.permute(0, 2, 3, 1))
    channels_last.load_state_dict(layer.state_dict())  # same torch layout in both formats
    torch.testing.assert_close(channels_last(x.permute(0, 2, 3, 1)), layer(x).permute(0, 2, 3, 1))


def test_same_padding_with_even_kernel_pads_right_like_keras():
    layer = layers.Conv1D(1, 2, padding="same", use_bias=False, kernel_initializer="ones")
    x = torch.arange(1.0, 5.0).view(1, 4, 1)
    # Keras puts the extra padding after the input: windows (1,2) (2,3) (3,4) (4,0).
    np.testing.assert_array_equal(layer(x).view(-1).detach().numpy(), [3, 5, 7, 4])


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("Conv2D", dict(filters=4, kernel_size=3, strides=2, padding="same")),
        ("Conv2DTranspose", dict(filters=4, kernel_size=3, strides=2, padding="same")),
        ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2)),
        ("SeparableConv2D", dict(filters=4, kernel_size=3)),
    ],
)
def test_both_data_formats_agree_up_to_the_transpose(name, kwargs):
    x = torch.randn(2, 7, 6, 3)
    last = getattr(layers, name)(**kwargs)
    first = getattr(layers, name)(data_format="channels_first", **kwargs)
    out_last = last(x)
    first(x.permute(0, 3, 1, 2))
    first.set_weights(last.get_weights())
    torch.testing.assert_close(first(x.permute(0, 3, 1, 2)), out_last.permute(0, 3, 1, 2))


def test_channels_last_conv_and_pool_run_without_transposing_copies():
    x = torch.randn(4, 12, 12, 8)
    conv = layers.Conv2D(16, 3)
    out = layers.MaxPooling2D()(conv(x))
    # The channels_last output is a plain contiguous (batch, rows, cols, channels) tensor:
    # torch ran the convolution and the pooling in its channels_last memory format.
    assert out.shape == (4, 5, 5, 16) and out.is_contiguous()


def test_channels_first_data_also_runs_in_channels_last_memory_on_cpu():
    # oneDNN's CPU convolutions are faster on channels_last memory (see conv_utils.conv_input).
    x = torch.randn(2, 1, 9, 9)  # one channel: NCHW and NHWC strides look alike
    hidden = layers.Conv2D(4, 3, data_format="channels_first")(x)
    out = layers.DepthwiseConv2D(3, data_format="channels_first")(hidden)
    assert hidden.is_contiguous(memory_format=torch.channels_last) and hidden.stride(1) == 1
    assert out.is_contiguous(memory_format=torch.channels_last)


# ---- layouts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "layout, keras_shape, torch_shape",
    [
        ("conv_kernel", (3, 2, 4, 5), (5, 4, 3, 2)),
        ("conv_kernel", (3, 4, 5), (5, 4, 3)),
        ("conv_transpose_kernel", (3, 2, 5, 4), (4, 5, 3, 2)),
        ("separable_pointwise_kernel", (1, 1, 6, 5), (5, 6, 1, 1)),
        (layouts.depthwise_kernel_layout(2), (3, 2, 4, 2), (8, 1, 3, 2)),
    ],
)
def test_layouts_round_trip_numpy_and_torch(layout, keras_shape, torch_shape):
    value = rng.normal(size=keras_shape).astype(np.float32)
    stored = layouts.from_keras(layout, torch.from_numpy(value))
    assert tuple(stored.shape) == torch_shape
    np.testing.assert_array_equal(layouts.to_keras(layout, stored).numpy(), value)
    np.testing.assert_array_equal(layouts.to_keras(layout, layouts.from_keras(layout, value)), value)
    assert layouts.keras_shape(layout, torch_shape) == keras_shape


def test_depthwise_layout_orders_channels_as_keras():
    # Keras kernel[..., i, j] is output channel i * multiplier + j.
    kernel = np.zeros((1, 1, 2, 3), np.float32)
    kernel[0, 0, 1, 2] = 1.0
    stored = layouts.from_keras(layouts.depthwise_kernel_layout(3), kernel)
    assert stored[1 * 3 + 2, 0, 0, 0] == 1 and stored.sum() == 1
    assert layouts.to_keras("depthwise_kernel_x3", stored).shape == (1, 1, 2, 3)


def test_conv_get_weights_are_keras_layout():
    layer = layers.Conv2D(7, (3, 2))
    layer(torch.zeros(1, 5, 5, 4))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 2, 4, 7) and bias.shape == (7,)
    assert tuple(layer.kernel.shape) == (7, 4, 3, 2)


def test_conv_kernel_initializer_sees_keras_fans():
    layer = layers.Conv2D(64, 3)
    layer(torch.zeros(1, 8, 8, 32))
    limit = np.sqrt(6 / (3 * 3 * 32 + 3 * 3 * 64))  # glorot_uniform on the Keras shape
    kernel = layer.get_weights()[0]
    assert limit * 0.9 < np.abs(kernel).max() <= limit


# ---- errors -----------------------------------------------------------------------------


def test_wrong_rank_names_expected_rank_and_data_format():
    layer = layers.Conv2D(4, 3)
    with pytest.raises(InputError, match=r"rank 4.*\(batch, rows, cols, channels\).*channels_last"):
        layer(torch.zeros(2, 28, 28))
    built = layers.Conv2D(4, 3, data_format="channels_first")
    built(torch.zeros(1, 1, 8, 8))
    with pytest.raises(InputError, match=r"rank 4.*channels_first.*rank 3"):
        built(torch.zeros(1, 8, 8))


def test_kernel_larger_than_input_names_layer_and_sizes():
    layer = layers.Conv2D(4, 5, name="too_big")
    with pytest.raises(InputError, match=r"too_big.*kernel_size=\(5, 5\).*\(3, 3\).*padding='valid'"):
        layer(torch.zeros(1, 3, 3, 2))
    with pytest.raises(InputError, match="dilated to"):
        layers.Conv1D(2, 3, dilation_rate=3)(torch.zeros(1, 6, 1))
    with pytest.raises(InputError, match="too_small"):
        layers.Conv2D(4, 5, name="too_small").compute_output_shape((None, 4, 4, 1))
    model = lamina.Sequential([lamina.Input((None, None, 1)), layers.Conv2D(2, 3, name="dynamic")])
    with pytest.raises(InputError, match="dynamic"):
        model(torch.zeros(1, 2, 2, 1))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: layers.Conv2D(4, 3, padding="full"), "padding='full'"),
        (lambda: layers.Conv2D(4, 3, padding="causal"), "padding='causal'"),
        (lambda: layers.Conv2D(4, 3, data_format="NHWC"), "data_format='NHWC'"),
        (lambda: layers.Conv2D(0, 3), "filters=0"),
        (lambda: layers.Conv2D(4, (3, 3, 3)), "kernel_size"),
        (lambda: layers.Conv2D(4, 0), "kernel_size=0"),
        (lambda: layers.Conv2D(6, 3, groups=4), "divisible by groups"),
        (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2), "strides > 1"),
        (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2), "output_padding"),
        (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier=0"),
    ],
)
def test_bad_arguments_are_configuration_errors(make, match):
    with pytest.raises(ConfigurationError, match=match):
        make()


def test_groups_must_divide_input_channels():
    with pytest.raises(InputError, match="5 channels are not divisible by groups=2"):
        layers.Conv2D(4, 3, groups=2)(torch.zeros(1, 6, 6, 5))


# ---- config, symbolic call, training ------------------------------------------------------


@pytest.mark.parametrize(
    "layer",
    [
        layers.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="relu"),
        layers.Conv2D(4, (3, 2), strides=2, padding="same", groups=2, use_bias=False,
                      data_format="channels_first", kernel_initializer="he_normal"),
        layers.Conv3D(2, 2),
        layers.Conv2DTranspose(3, 3, strides=2, output_padding=1, padding="same"),
        layers.DepthwiseConv2D(3, depth_multiplier=2, activation="tanh"),
        layers.SeparableConv2D(4, 3, depth_multiplier=2, padding="same"),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize(
    "layer, expected",
    [
        (layers.Conv2D(8, 3, strides=2, padding="same"), (None, 14, 14, 8)),
        (layers.Conv2DTranspose(8, 3, strides=2, padding="same"), (None, 56, 56, 8)),
        (layers.DepthwiseConv2D(3, depth_multiplier=3), (None, 26, 26, 3)),
        (layers.SeparableConv2D(8, 5), (None, 24, 24, 8)),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, tuple) else "",
)
def test_symbolic_call_gives_output_shape(layer, expected):
    output = layer(lamina.Input(shape=(28, 28, 1)))
    assert output.shape == expected


def test_small_convnet_fits_in_both_formats():
    x = rng.normal(size=(64, 8, 8, 1)).astype(np.float32)
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype(np.int64)
    for data_format, data in (("channels_last", x), ("channels_first", x.transpose(0, 3, 1, 2))):
        model = lamina.Sequential([
            lamina.Input(shape=data.shape[1:]),
            layers.Conv2D(8, 3, padding="same", activation="relu", data_format=data_format),
            layers.SeparableConv2D(8, 3, data_format=data_format),
            layers.Conv2DTranspose(4, 3, strides=2, data_format=data_format),
            layers.Flatten(data_format=data_format),
            layers.Dense(2, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        history = model.fit(data, y, epochs=4, batch_size=16, verbose=0)
        assert history.history["loss"][-1] < history.history["loss"][0]
