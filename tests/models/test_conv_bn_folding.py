"""Inference plans fold BatchNormalization into the convolution before it (and run a
following ReLU / ReLU6 in place): lamina/models/conv_bn_folding.py. Predictions must
equal the layers called one by one up to float32 rounding, and Keras's; the folded
weights must follow every change of the model's weights; training, gradients,
get_weights and saved files must never see them. Graph plans also free each value after
its last reader (plan.with_releases)."""

import numpy as np
import pytest
import torch
from oracle import twin_models

import lamina
from lamina.models import passes
from lamina.models.conv_bn_folding import ConvBatchNorm, fold
from lamina.models.plan import run_graph_plan

RNG = np.random.default_rng(0)


def images(shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype("float32")


def randomize_statistics(model, seed=1):
    """Moving statistics, gamma and beta far from their initial values, so a fold that
    drops any of them shows."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, lamina.layers.BatchNormalization):
            layer.set_weights([rng.uniform(0.5, 1.5, w.shape) if i in (0, 3) else rng.normal(0, 0.3, w.shape)
                               for i, w in enumerate(layer.get_weights())])


def block(lib, data_format="channels_last", activation="relu", depthwise=False, use_bias=True, **bn_kwargs):
    """conv -> BN -> activation -> conv -> BN, with a residual add and a second output."""
    shape = (9, 9, 4) if data_format == "channels_last" else (4, 9, 9)
    axis = -1 if data_format == "channels_last" else 1
    inputs = lib.Input(shape)
    if depthwise:
        x = lib.layers.DepthwiseConv2D(3, padding="same", use_bias=use_bias, data_format=data_format)(inputs)
    else:
        x = lib.layers.Conv2D(4, 3, padding="same", use_bias=use_bias, data_format=data_format)(inputs)
    x = lib.layers.BatchNormalization(axis=axis, **bn_kwargs)(x)
    if activation == "relu6":
        x = lib.layers.ReLU(6.0)(x)
    elif activation is not None:
        x = lib.layers.Activation(activation)(x)
    y = lib.layers.Conv2D(4, 1, strides=2, data_format=data_format)(x)
    y = lib.layers.BatchNormalization(axis=axis, **bn_kwargs)(y)
    pooled = lib.layers.GlobalAveragePooling2D(data_format=data_format)(y)
    return lib.Model(inputs, [pooled, x])


def layer_by_layer(model, x):
    """The model's outputs with every layer called as written (autograd on: no fold)."""
    with torch.enable_grad():
        return [out.detach().numpy() for out in model(torch.from_numpy(x), training=False)]


def folded_steps(model):
    return [step for step in model._plan if isinstance(step.run, ConvBatchNorm)]


CASES = [
    ("relu", {}), ("relu6", {"activation": "relu6"}), ("no activation", {"activation": None}),
    ("tanh stays a layer", {"activation": "tanh"}), ("channels_first", {"data_format": "channels_first"}),
    ("depthwise", {"depthwise": True}), ("no conv bias", {"use_bias": False}),
    ("no center, no scale", {"center": False, "scale": False}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_predictions_equal_the_layers_called_one_by_one_and_keras(name, kwargs):
    ours, theirs = twin_models(lambda lib: block(lib, **kwargs))
    randomize_statistics(ours)
    theirs.set_weights(ours.get_weights())
    assert len(folded_steps(ours)) == 2
    x = images((3,) + tuple(ours.inputs[0].shape[1:]))
    folded = ours.predict_on_batch(x)
    for fast, plain, keras_value in zip(folded, layer_by_layer(ours, x), theirs.predict_on_batch(x)):
        np.testing.assert_allclose(fast, plain, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(fast, keras_value, rtol=1e-5, atol=1e-5)


def test_sequential_plans_fold_too():
    model = lamina.Sequential([
        lamina.Input((8, 8, 3)), lamina.layers.Conv2D(5, 3), lamina.layers.BatchNormalization(),
        lamina.layers.ReLU(), lamina.layers.DepthwiseConv2D(3), lamina.layers.BatchNormalization(),
        lamina.layers.Flatten(),
    ])
    randomize_statistics(model)
    x = images((2, 8, 8, 3))
    fast = model.predict_on_batch(x)
    assert [type(step).__name__ for step in model._plan] == ["ConvBatchNorm", "ConvBatchNorm", "Flatten"]
    with torch.enable_grad():
        plain = model(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(fast, plain, rtol=1e-5, atol=1e-6)


def test_fold_equals_batch_normalization_of_the_convolution_in_float64():
    generator = torch.Generator().manual_seed(0)
    kernel, bias = torch.randn(6, 3, 3, 3, generator=generator, dtype=torch.float64), torch.randn(6, dtype=torch.float64)
    gamma, beta, mean = (torch.randn(6, generator=generator, dtype=torch.float64) for _ in range(3))
    variance = torch.rand(6, generator=generator, dtype=torch.float64) + 0.5
    x = torch.randn(2, 3, 7, 7, generator=generator, dtype=torch.float64)
    expected = torch.nn.functional.batch_norm(torch.conv2d(x, kernel, bias), mean, variance, gamma, beta, False, 0.0, 1e-3)
    folded_kernel, folded_bias = fold(kernel, bias, gamma, beta, mean, variance, 1e-3)
    torch.testing.assert_close(torch.conv2d(x, folded_kernel, folded_bias), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "change", ["set_weights", "assign", "load_state_dict", "new .data", "write through .data", "fit"]
)
def test_folded_weights_follow_every_change_of_the_weights(change):
    model = block(lamina)
    x = images((4, 9, 9, 4))
    before = model.predict_on_batch(x)[0]
    conv, norm = model.layers[1], model.layers[2]
    if change == "set_weights":
        randomize_statistics(model, seed=5)
    elif change == "assign":
        norm.moving_variance.assign(norm.moving_variance * 4.0)
    elif change == "load_state_dict":
        state = {k: v * 1.5 for k, v in model.state_dict().items()}
        model.load_state_dict(state)
    elif change == "new .data":
        conv.kernel.data = conv.kernel.data * -1.0
    elif change == "write through .data":  # no version counter sees it: each inference call folds anew
        conv.kernel.data.mul_(-1.0)
    else:
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, [np.ones((4, 4), "float32"), np.zeros((4, 9, 9, 4), "float32")], epochs=1, verbose=0)
    after = model.predict_on_batch(x)[0]
    assert not np.allclose(before, after, atol=1e-4)
    np.testing.assert_allclose(after, layer_by_layer(model, x)[0], rtol=1e-5, atol=1e-6)


def test_a_direct_call_runs_the_layers_as_written(monkeypatch):
    model = block(lamina)
    x = torch.from_numpy(images((4, 9, 9, 4)))
    folds = []
    monkeypatch.setattr("lamina.models.conv_bn_folding.fold", lambda *a: folds.append(a) or fold(*a))
    with torch.no_grad():
        direct = model(x, training=False)[0]
    assert not folds
    assert torch.equal(direct, torch.from_numpy(layer_by_layer(model, x.numpy())[0]))
    model.predict_on_batch(x.numpy())
    assert folds


def test_without_version_counters_the_fold_is_computed_on_every_call(monkeypatch):
    from lamina.models import conv_bn_folding

    monkeypatch.setattr(conv_bn_folding, "values_key", lambda tensors: None)
    model = block(lamina)
    x = images((2, 9, 9, 4))
    model.predict_on_batch(x)
    model.layers[2].moving_mean.data.add_(1.0)  # a write no version counter sees
    np.testing.assert_allclose(model.predict_on_batch(x)[0], layer_by_layer(model, x)[0], rtol=1e-5, atol=1e-6)


def without_folding(monkeypatch):
    monkeypatch.setattr(passes, "GRAPH_PASSES", tuple(p for p in passes.GRAPH_PASSES if "fold" not in p.__name__))


def test_training_is_the_same_bit_for_bit(monkeypatch):
    x, targets = images((8, 9, 9, 4)), [np.ones((8, 4), "float32"), np.zeros((8, 9, 9, 4), "float32")]
    trained = []
    for fold_on in (True, False):
        if not fold_on:
            without_folding(monkeypatch)
        lamina.utils.set_random_seed(3)
        model = block(lamina)
        assert bool(folded_steps(model)) is fold_on
        model.compile(optimizer="adam", loss="mse")
        model.predict_on_batch(x)  # fills the fold's cache before training
        model.fit(x, targets, epochs=2, batch_size=4, shuffle=False, verbose=0)
        trained.append(model.get_weights())
    for ours, plain in zip(*trained):
        np.testing.assert_array_equal(ours, plain)


def test_gradients_in_inference_mode_are_the_layers_own():
    model = block(lamina)
    randomize_statistics(model)
    x = torch.from_numpy(images((2, 9, 9, 4))).requires_grad_()
    model(x, training=False)[0].sum().backward()
    conv, norm, relu = model.layers[1], model.layers[2], model.layers[3]
    plain_x = x.detach().clone().requires_grad_()
    plain = model.layers[5](model.layers[4](relu(norm(conv(plain_x), training=False))), training=False)
    plain = model.layers[6](plain)
    grads = torch.autograd.grad(plain.sum(), [plain_x, conv.kernel])
    torch.testing.assert_close(x.grad, grads[0])
    assert conv.kernel.grad is not None


def test_trainable_batch_normalization_in_training_mode_is_not_folded():
    model = block(lamina)
    x = torch.from_numpy(images((4, 9, 9, 4)))
    norm = model.layers[2]
    before = norm.moving_mean.clone()
    with torch.no_grad():
        model(x, training=True)
    assert not torch.equal(before, norm.moving_mean)  # the batch statistics were used and moved


def test_hooks_keep_the_layers_as_called():
    model = block(lamina)
    seen = []
    model.layers[2].register_forward_hook(lambda module, args, output: seen.append(output.shape))
    with torch.no_grad():
        model(torch.from_numpy(images((2, 9, 9, 4))))
    assert seen == [torch.Size([2, 9, 9, 4])]


def test_weights_and_saved_files_never_see_the_fold(tmp_path):
    model = block(lamina)
    randomize_statistics(model)
    weights, state = model.get_weights(), {k: v.clone() for k, v in model.state_dict().items()}
    x = images((2, 9, 9, 4))
    expected = model.predict_on_batch(x)
    for now, then in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(now, then)
    assert model.state_dict().keys() == state.keys()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())
    model.save(tmp_path / "block.keras")
    loaded = lamina.saving.load_model(tmp_path / "block.keras")
    for now, then in zip(loaded.get_weights(), weights):
        np.testing.assert_array_equal(now, then)
    for a, b in zip(loaded.predict_on_batch(x), expected):
        np.testing.assert_array_equal(a, b)


def test_graph_plans_release_values_after_their_last_reader():
    inputs = lamina.Input((3,))
    hidden = lamina.layers.Dense(4)(inputs)
    twice = lamina.layers.Add()([hidden, hidden])
    out = lamina.layers.Dense(2)(twice)
    model = lamina.Model(inputs, [out, hidden])  # hidden: read by Add and an output
    x = torch.ones(2, 3)
    computed = run_graph_plan(model._plan, model.inputs, [x])
    kept = {id(t) for t in model.outputs} | {id(model.inputs[0])}
    assert set(computed) == kept
    released = [key for step in model._plan for key in step.releases]
    assert released == [id(twice)]
    with torch.no_grad():
        np.testing.assert_allclose(model(x)[0].numpy(), model.layers[3](model.layers[2]([model.layers[1](x)] * 2)).numpy())


def test_resnet50_predictions_match_the_layers_called_one_by_one():
    model = lamina.applications.ResNet50(weights=None, input_shape=(64, 64, 3), classifier_activation=None)
    randomize_statistics(model)
    assert len(folded_steps(model)) == 53
    x = images((2, 64, 64, 3))
    fast = model.predict_on_batch(x)
    with torch.enable_grad():
        plain = model(torch.from_numpy(x), training=False).detach().numpy()
    np.testing.assert_allclose(fast, plain, rtol=1e-4, atol=1e-5 * np.abs(plain).max())


def test_autocast_keeps_the_layers_as_called():
    model = block(lamina)
    randomize_statistics(model)
    x = torch.from_numpy(images((2, 9, 9, 4)))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        with torch.no_grad():
            under_no_grad = model(x)[0]
        plain = model(x)[0].detach()
    assert under_no_grad.dtype == plain.dtype
    assert torch.equal(under_no_grad, plain)
