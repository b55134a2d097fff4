"""Models run a convolution's ReLU after the max pooling that reads its output
(a pass in lamina/models/passes.py). Outputs and gradients must equal the layers
called one by one, ties and zeros included; the reordering must be seen to happen (ReLU
on the pooled size only), and must not happen where something else sees the
convolution's output."""

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

import lamina
from lamina import layers

pytestmark = pytest.mark.usefixtures("float64_layers")


class ReluSizes(TorchDispatchMode):
    """The element counts of the tensors ReLU runs on inside the block."""

    def __init__(self):
        super().__init__()
        self.sizes = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func.overloadpacket in (torch.ops.aten.relu, torch.ops.aten.relu_):
            self.sizes.append(args[0].numel())
        return func(*args, **(kwargs or {}))


def integer_valued(layer, x):
    """Build ``layer`` on ``x`` and give it weights in {-1, 0, 1}: many ties and exact
    zeros in its output, the cases where the two orders could route gradients apart."""
    layer(x)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for weight in layer.parameters():
            weight.copy_(torch.randint(-1, 2, weight.shape, generator=generator))


def integer_input(shape):
    return torch.randint(-2, 3, shape, generator=torch.Generator().manual_seed(2)).double()


PAIRS = [
    ("conv2d, maxpool 2", lambda: layers.Conv2D(4, 3, activation="relu"), lambda: layers.MaxPooling2D(2), (3, 8, 8, 2)),
    ("channels_first", lambda: layers.Conv2D(4, 3, activation="relu", data_format="channels_first"),
     lambda: layers.MaxPooling2D(2, data_format="channels_first"), (3, 2, 8, 8)),
    ("overlapping same-padded windows", lambda: layers.Conv2D(3, 3, activation="relu"),
     lambda: layers.MaxPooling2D(3, strides=2, padding="same"), (2, 9, 9, 2)),
    ("formats differ", lambda: layers.Conv2D(4, 3, activation="relu", data_format="channels_first"),
     lambda: layers.MaxPooling2D(2), (2, 2, 8, 8)),
    ("conv1d causal", lambda: layers.Conv1D(4, 3, padding="causal", activation="relu"), lambda: layers.MaxPooling1D(2), (3, 10, 2)),
    ("conv3d", lambda: layers.Conv3D(2, 2, activation="relu"), lambda: layers.MaxPooling3D(2), (2, 5, 5, 5, 1)),
    ("depthwise, global max", lambda: layers.DepthwiseConv2D(3, activation="relu"), lambda: layers.GlobalMaxPooling2D(), (3, 7, 7, 2)),
    ("separable", lambda: layers.SeparableConv2D(4, 3, activation="relu"), lambda: layers.MaxPooling2D(2), (2, 8, 8, 2)),
    ("transposed, cropped view", lambda: layers.Conv2DTranspose(3, 4, strides=2, padding="same", activation="relu"),
     lambda: layers.MaxPooling2D(2), (2, 4, 4, 2)),
    ("global max, keepdims", lambda: layers.Conv2D(3, 3, activation="relu"),
     lambda: layers.GlobalMaxPooling2D(keepdims=True), (2, 6, 6, 1)),
    ("global max 1d", lambda: layers.Conv1D(3, 2, activation="relu"), lambda: layers.GlobalMaxPooling1D(), (4, 6, 2)),
    ("ReLU layer", lambda: layers.ReLU(), lambda: layers.MaxPooling2D(2), (3, 8, 8, 2)),
    ("Activation relu, global max 3d", lambda: layers.Activation("relu"), lambda: layers.GlobalMaxPooling3D(), (2, 4, 4, 4, 2)),
]


def one_by_one_and_model(conv, pool, x, model):
    """(output, input gradient, weight gradients) of ``pool(conv(x))`` layer by layer and
    of ``model(x)`` (the same layers), for the same upstream gradient."""
    results = []
    for run in (lambda t: pool(conv(t)), model):
        conv.zero_grad()
        t = x.clone().requires_grad_()
        out = run(t)
        out.backward(torch.linspace(-1, 1, out.numel(), dtype=out.dtype).reshape(out.shape))
        results.append((out.detach(), t.grad, [w.grad.clone() for w in conv.parameters()]))
    return results


def assert_same(results):
    """Equal outputs; gradients equal up to float64 rounding (a gradient that reaches
    the convolution in another memory layout may be summed in another order)."""
    (out_a, grad_a, weights_a), (out_b, grad_b, weights_b) = results
    assert torch.equal(out_a, out_b)
    for a, b in zip([grad_a, *weights_a], [grad_b, *weights_b]):
        torch.testing.assert_close(a, b, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name, make_conv, make_pool, shape", PAIRS, ids=[p[0] for p in PAIRS])
def test_a_sequential_model_gives_the_outputs_and_gradients_of_the_layers_in_order(name, make_conv, make_pool, shape):
    conv, pool = make_conv(), make_pool()
    x = integer_input(shape)
    integer_valued(conv, x)
    model = lamina.Sequential([conv, pool])
    assert_same(one_by_one_and_model(conv, pool, x, model))
    with ReluSizes() as seen:
        pooled = model(x)
    assert seen.sizes == [pooled.numel()], "ReLU should run once, on the pooled output"


@pytest.mark.parametrize("bias", [-1.0, 0.0, 1.0])
def test_windows_of_equal_values_route_gradients_alike(bias):
    conv, pool = layers.Conv2D(2, 3, activation="relu", bias_initializer="zeros"), layers.MaxPooling2D(2)
    x = torch.randn(2, 8, 8, 1, dtype=torch.float64)
    conv(x)
    with torch.no_grad():
        conv.kernel.zero_()
        conv.bias.fill_(bias)
    assert_same(one_by_one_and_model(conv, pool, x, lamina.Sequential([conv, pool])))


def test_a_functional_model_pairs_a_convolution_only_its_pooling_reads():
    inputs = lamina.Input((8, 8, 2))
    conv_a, pool_a = layers.Conv2D(3, 3, activation="relu"), layers.MaxPooling2D(2)
    conv_b, pool_b = layers.Conv2D(3, 3, activation="relu"), layers.MaxPooling2D(2)
    seen_twice = conv_b(inputs)
    merged = layers.Concatenate()([layers.Flatten()(pool_a(conv_a(inputs))), layers.Flatten()(pool_b(seen_twice)),
                                   layers.Flatten()(seen_twice)])
    model = lamina.Model(inputs, merged)
    x = integer_input((2, 8, 8, 2))
    for conv in (conv_a, conv_b):
        integer_valued(conv, x)
    with ReluSizes() as seen:
        out = model(x)
    # conv_a's ReLU runs on its pooled output (2*3*3*3); conv_b's, read twice, on its own.
    assert sorted(seen.sizes) == [2 * 3 * 3 * 3, 2 * 6 * 6 * 3]
    expected = torch.cat([pool_a(conv_a(x)).flatten(1), pool_b(conv_b(x)).flatten(1), conv_b(x).flatten(1)], 1)
    assert torch.equal(out, expected)


def test_a_convolution_whose_output_is_a_model_output_keeps_its_relu():
    inputs = lamina.Input((8, 8, 1))
    features = layers.Conv2D(2, 3, activation="relu")(inputs)
    model = lamina.Model(inputs, [features, layers.MaxPooling2D(2)(features)])
    x = torch.randn(2, 8, 8, 1, dtype=torch.float64)
    features, pooled = model(x)
    assert features.min() >= 0
    assert torch.equal(pooled, model.layers[2](features))


def test_hooks_see_what_the_layers_compute_in_order():
    conv, pool = layers.Conv2D(2, 3, activation="relu"), layers.MaxPooling2D(2)
    model = lamina.Sequential([conv, pool])
    seen = []
    conv.register_forward_hook(lambda module, args, output: seen.append(output))
    out = model(torch.randn(2, 8, 8, 1, dtype=torch.float64))
    assert seen[0].min() >= 0
    assert torch.equal(out, pool(seen[0]))
    pool_inputs = []
    conv._forward_hooks.clear()
    pool.register_forward_pre_hook(lambda module, args: pool_inputs.append(args[0]))
    model(torch.randn(2, 8, 8, 1, dtype=torch.float64))
    assert pool_inputs[0].min() >= 0, "the pooling's hook must see the activated convolution output"


class ShiftedMaxPooling2D(layers.MaxPooling2D):
    def call(self, inputs):
        return super().call(inputs) - 1.0


class NegatedConv2D(layers.Conv2D):
    def call(self, inputs):
        return -super().call(inputs)


@pytest.mark.parametrize("make_conv, make_pool", [
    (lambda: layers.Conv2D(2, 3, activation="relu"), ShiftedMaxPooling2D),
    (lambda: NegatedConv2D(2, 3, activation="relu"), layers.MaxPooling2D),
    (lambda: layers.Conv2D(2, 3, activation="relu", activity_regularizer="l2"), layers.MaxPooling2D),
    (lambda: layers.Conv2D(2, 3, activation="elu"), layers.MaxPooling2D),
    (lambda: layers.ReLU(max_value=6.0), layers.MaxPooling2D),
    (lambda: layers.Activation("elu"), layers.MaxPooling2D),
], ids=["pooling subclass", "convolution subclass", "activity regularizer", "elu", "capped ReLU layer", "Activation elu"])
def test_layers_the_reordering_would_change_run_as_written(make_conv, make_pool):
    conv, pool = make_conv(), make_pool()
    model = lamina.Sequential([conv, pool])
    x = 10 * torch.randn(2, 8, 8, 1, dtype=torch.float64)
    model.train()
    out = model(x)
    losses = [float(loss) for loss in model.losses]
    model._clear_losses()
    assert torch.equal(out, pool(conv(x)))
    assert losses == [float(loss) for loss in model.losses]


def test_a_sequential_model_replans_after_pop_and_add():
    conv = layers.Conv2D(2, 3, activation="relu")
    model = lamina.Sequential([lamina.Input((8, 8, 1)), conv, layers.MaxPooling2D(2)])
    x = torch.randn(2, 8, 8, 1, dtype=torch.float64)
    model(x)
    model.pop()
    average = layers.AveragePooling2D(2)
    model.add(average)
    assert torch.equal(model(x), average(torch.relu(conv(x))))


def test_training_matches_the_layers_run_in_order():
    def convnet():
        lamina.utils.set_random_seed(3)
        model = lamina.Sequential([
            lamina.Input((12, 12, 1)),
            layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(8, 3, activation="relu"), layers.GlobalMaxPooling2D(),
            layers.Dense(3, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return model

    reordered, in_order = convnet(), convnet()
    in_order.layers[0].register_forward_hook(lambda *args: None)  # a hook turns the reordering off
    x = torch.randn(64, 12, 12, 1).numpy()
    y = torch.randint(0, 3, (64,)).numpy()
    histories = [model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history["loss"]
                 for model in (reordered, in_order)]
    assert histories[0] == histories[1]
    for a, b in zip(reordered.get_weights(), in_order.get_weights()):
        assert (a == b).all()


def test_a_mismatched_input_gets_the_convolutions_own_error():
    conv = layers.Conv2D(2, 3, activation="relu")
    model = lamina.Sequential([lamina.Input((8, 8, 1)), conv, layers.MaxPooling2D(2)])
    with pytest.raises(lamina.errors.InputError, match=f"Layer '{conv.name}' .*built for inputs of shape"):
        model(torch.randn(2, 8, 8, 3, dtype=torch.float64))


def test_the_pass_returns_a_new_plan_and_leaves_the_model_as_built():
    from lamina.models.passes import optimize_graph, optimize_stack
    from lamina.models.plan import graph_plan, stack_plan

    conv, pool = layers.Conv2D(2, 3, activation="relu"), layers.MaxPooling2D(2)
    plain = stack_plan([conv, pool])
    fused = optimize_stack(plain)
    assert plain == (conv, pool) and len(fused) == 1 and (fused[0].producer, fused[0].pool) == (conv, pool)
    inputs = lamina.Input((6, 6, 1))
    model = lamina.Model(inputs, layers.MaxPooling2D(2)(layers.Conv2D(2, 3, activation="relu")(inputs)))
    plain = graph_plan(model._nodes)
    fused = optimize_graph(plain, model.outputs)
    assert [step.run for step in plain] == model.layers[1:] and len(fused) == 1
    assert [type(step.run) for step in model._plan] == [type(fused[0].run)]
