"""In inference a residual Add (+ ReLU) writes into the folded convolution output it
alone reads (lamina/models/in_place_add.py): the same values bit for bit as the plan
without it, no other tensor (the shortcut, the model's input) touched, and the layers as
called wherever something could see the operand."""

import numpy as np
import torch

import lamina
from lamina.models.conv_bn_folding import fold_conv_batch_norm_graph
from lamina.models.in_place_add import AddInPlace
from lamina.models.plan import graph_plan, run_graph_plan, with_releases


def residual_block(activation="relu", shortcut_twice=False):
    inputs = lamina.Input((6, 6, 4))
    x = lamina.layers.Conv2D(4, 3, padding="same")(inputs)
    x = lamina.layers.BatchNormalization()(x)
    if shortcut_twice:
        x = lamina.layers.Add()([x, x])
    else:
        x = lamina.layers.Add()([inputs, x])
    if activation:
        x = lamina.layers.Activation(activation)(x)
    return lamina.Model(inputs, lamina.layers.Flatten()(x))


def statistics_moved(model):
    rng = np.random.default_rng(1)
    norm = model.layers[2]
    norm.set_weights([rng.uniform(0.5, 1.5, (4,)), rng.normal(0, 0.3, (4,)), rng.normal(0, 0.3, (4,)),
                      rng.uniform(0.5, 1.5, (4,))])
    return model


def folded_only(model, x):
    """The outputs of ``model``'s plan with the fold and without the in-place Add."""
    plan = with_releases(fold_conv_batch_norm_graph(graph_plan(model._nodes), model.outputs), model.outputs)
    with torch.no_grad():
        return run_graph_plan(plan, model.inputs, [x])[id(model.outputs[0])]


def images(seed=0):
    return torch.from_numpy(np.random.default_rng(seed).uniform(-1, 1, (3, 6, 6, 4)).astype("float32"))


def test_values_equal_the_plan_without_it_bit_for_bit_and_the_input_is_untouched():
    for activation in ("relu", "relu6", None):
        model = statistics_moved(residual_block(activation))
        assert [type(step.run) for step in model._plan].count(AddInPlace) == 1
        x = images()
        kept = x.clone()
        with torch.no_grad():
            fast = model(x)
        assert torch.equal(x, kept)
        assert torch.equal(fast, folded_only(model, x))
        with torch.enable_grad():
            torch.testing.assert_close(fast, model(x).detach(), rtol=1e-5, atol=1e-6)


def test_an_operand_read_twice_is_not_written():
    model = residual_block(shortcut_twice=True)
    assert AddInPlace not in [type(step.run) for step in model._plan]


def test_a_hook_on_the_operands_layers_keeps_the_add_as_called():
    model = statistics_moved(residual_block())
    kept = []
    model.layers[2].register_forward_hook(lambda module, args, output: kept.append(output.clone()))
    model.layers[2].register_forward_hook(lambda module, args, output: kept.append(output))
    with torch.no_grad():
        model(images())
    assert torch.equal(kept[0], kept[1])  # the tensor the hook kept was not overwritten


def test_training_and_gradients_run_the_layers_as_called():
    model = statistics_moved(residual_block())
    x = images().requires_grad_()
    model(x).sum().backward()
    assert x.grad is not None and model.layers[1].kernel.grad is not None
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(images().numpy(), np.zeros((3, 144), "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
