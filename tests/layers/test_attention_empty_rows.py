"""Query rows whose keys are all masked, as Keras 3 computes them (issue #16, item 2).

Keras's MultiHeadAttention takes its masked-softmax path when it has dropout, returns
the scores or attends over more than one axis: there a row with no key left gets zero
probabilities. Its fused path gives the softmax of equal scores instead. lamina
follows both, values and gradients, and a Keras-trained Transformer classifier
(Embedding(mask_zero=True), MHA, x + attn, GlobalAveragePooling1D, Dense) loads with the
same outputs.
"""

import keras
import numpy as np
import pytest
import torch

import lamina
from lamina import layers, layouts

VOCAB, STEPS, DIM = 40, 7, 8


def _tokens(rng, count=24):
    x = rng.integers(1, VOCAB, (count, STEPS))
    lengths = rng.integers(2, STEPS + 1, count)
    lengths[:3] = STEPS  # some rows without padding
    for row, length in enumerate(lengths):
        x[row, length:] = 0
    return x


def _keras_classifier(dropout):
    inputs = keras.Input((STEPS,), dtype="int32")
    x = keras.layers.Embedding(VOCAB, DIM, mask_zero=True)(inputs)
    attended = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=dropout)(x, x)
    x = x + attended
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(3)(x))


def _keras_gradients(model, x, y):
    model.zero_grad() if hasattr(model, "zero_grad") else None
    logits = model(keras.ops.convert_to_tensor(x), training=False)
    loss = torch.nn.functional.cross_entropy(logits, torch.as_tensor(y))
    grads = torch.autograd.grad(loss, [v.value for v in model.trainable_weights])
    return logits.detach().numpy(), [g.numpy() for g in grads]


def _lamina_gradients(model, x, y):
    logits = model(torch.as_tensor(x))
    loss = torch.nn.functional.cross_entropy(logits, torch.as_tensor(y))
    entries = [e for e in model._weight_entries() if e[2]]
    grads = torch.autograd.grad(loss, [e[0] for e in entries])
    return logits.detach().numpy(), [layouts.to_keras(e[1], g).numpy() for e, g in zip(entries, grads)]


@pytest.mark.parametrize("dropout", [0.0, 0.1])
def test_keras_trained_transformer_loads_with_keras_outputs_and_gradients(tmp_path, dropout):
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(0)
    theirs = _keras_classifier(dropout)
    x, y = _tokens(rng), rng.integers(0, 3, 24)
    theirs.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    theirs.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "transformer.keras"
    theirs.save(path)
    ours = lamina.models.load_model(path)
    for batch in (x, x[:3]):  # masked rows, and rows without padding
        expected, expected_grads = _keras_gradients(theirs, batch, y[: len(batch)])
        got, got_grads = _lamina_gradients(ours, batch, y[: len(batch)])
        scale = np.abs(expected).max()
        assert np.abs(got - expected).max() <= 1e-4 * scale
        assert len(got_grads) == len(expected_grads)
        for ours_grad, theirs_grad in zip(got_grads, expected_grads):
            np.testing.assert_allclose(ours_grad, theirs_grad, atol=1e-5 * max(1.0, np.abs(theirs_grad).max()))


def _copy_mha(options):
    theirs = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, **options)
    ours = layers.MultiHeadAttention(num_heads=2, key_dim=3, **options)
    q = np.random.default_rng(1).normal(size=(2, 4, 5)).astype("float32")
    theirs(q, q)
    ours(torch.as_tensor(q), torch.as_tensor(q))
    ours.set_weights(theirs.get_weights())
    return theirs, ours, q


@pytest.mark.parametrize("options", [{}, {"dropout": 0.2}])
@pytest.mark.parametrize("scores", [False, True])
def test_mha_rows_with_every_key_masked_match_keras_with_gradients(options, scores):
    theirs, ours, q = _copy_mha(options)
    mask = np.ones((2, 4, 4), dtype=bool)
    mask[0, 1, :] = False  # a query row with no key left
    mask[1, :, 3] = False
    kq = torch.tensor(q, requires_grad=True)
    lq = torch.tensor(q, requires_grad=True)
    expected = theirs(kq, kq, attention_mask=torch.as_tensor(mask), return_attention_scores=scores)
    got = ours(lq, lq, attention_mask=torch.as_tensor(mask), return_attention_scores=scores)
    expected, got = (expected, got) if scores else ((expected,), (got,))
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g.detach().numpy(), e.detach().numpy(), atol=1e-5)
    (expected_grad,) = torch.autograd.grad(expected[0].square().sum(), kq)
    (got_grad,) = torch.autograd.grad(got[0].square().sum(), lq)
    np.testing.assert_allclose(got_grad.numpy(), expected_grad.numpy(), atol=1e-5)
    if scores:
        assert torch.all(got[1][0, :, 1] == 0)


@pytest.mark.parametrize("name", ["Attention", "AdditiveAttention"])
def test_attention_layers_follow_keras_for_rows_with_every_value_masked(name):
    theirs, ours = getattr(keras.layers, name)(), getattr(layers, name)()
    rng = np.random.default_rng(2)
    q, v = rng.normal(size=(2, 3, 4)).astype("float32"), rng.normal(size=(2, 5, 4)).astype("float32")
    theirs([q, v])
    ours([torch.as_tensor(q), torch.as_tensor(v)])
    ours.set_weights(theirs.get_weights())
    value_mask = np.ones((2, 5), dtype=bool)
    value_mask[0] = False  # the first sample has no value to attend to
    query_mask = np.array([[True, True, False], [True, True, True]])
    masks = [torch.as_tensor(query_mask), torch.as_tensor(value_mask)]
    expected = theirs([torch.as_tensor(q), torch.as_tensor(v)], mask=masks, return_attention_scores=True)
    got = ours([torch.as_tensor(q), torch.as_tensor(v)], mask=masks, return_attention_scores=True)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g.detach().numpy(), e.detach().numpy(), atol=1e-5)
