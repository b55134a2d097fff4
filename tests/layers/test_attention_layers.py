"""Attention layers (GroupQueryAttention too) against NumPy references and real Keras 3 with the
same weights: outputs, gradients, masks, configs, files."""

import keras
import numpy as np
import pytest
import torch
from oracle import check_keras_files_both_ways, compare_with_keras

import lamina
from lamina import layers, layouts
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(0)
T = torch.from_numpy


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_mha(query, value, key, weights, heads, mask=None):
    """Multi-head attention in NumPy from Keras-layout weights (with biases)."""
    qk, qb, kk, kb, vk, vb, ok, ob = weights
    q = np.einsum("btd,dhk->bthk", query, qk) + qb
    k = np.einsum("bsd,dhk->bshk", key, kk) + kb
    v = np.einsum("bsd,dhk->bshk", value, vk) + vb
    scores = np.einsum("bthk,bshk->bhts", q / np.sqrt(q.shape[-1]), k)
    if mask is not None:
        scores = np.where(mask[:, None], scores, scores - 1e9)
    probabilities = softmax(scores)
    context = np.einsum("bhts,bshk->bthk", probabilities, v)
    return np.einsum("bthk,hko->bto", context, ok) + ob, probabilities


def random_weights(layer):
    return [rng.normal(scale=0.5, size=w.shape).astype(np.float32) for w in layer.get_weights()]


def built_mha(query, value, **kwargs):
    layer = layers.MultiHeadAttention(**{"num_heads": 2, "key_dim": 3, **kwargs})
    layer(T(query), T(value))
    layer.set_weights(random_weights(layer))
    return layer


def test_mha_matches_numpy_reference_on_fused_and_explicit_paths():
    query = rng.normal(size=(2, 4, 5)).astype(np.float32)
    value = rng.normal(size=(2, 6, 3)).astype(np.float32)
    key = rng.normal(size=(2, 6, 7)).astype(np.float32)
    mask = rng.random((2, 4, 6)) > 0.3
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    layer(T(query), T(value), T(key))
    layer.set_weights(random_weights(layer))
    expected, probabilities = np_mha(query, value, key, layer.get_weights(), 2, mask)
    fused = layer(T(query), T(value), T(key), attention_mask=T(mask))
    explicit, scores = layer(T(query), T(value), T(key), attention_mask=T(mask), return_attention_scores=True)
    np.testing.assert_allclose(fused.detach().numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(explicit.detach().numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(scores.detach().numpy(), probabilities, atol=1e-6)


@pytest.mark.parametrize(
    "options", [{}, {"value_dim": 4, "output_shape": 8}, {"use_bias": False}, {"num_heads": 1, "key_dim": 6}]
)
def test_mha_matches_keras_with_masks_and_causal(options):
    query = rng.normal(size=(2, 5, 6)).astype(np.float32)
    value = rng.normal(size=(2, 7, 4)).astype(np.float32)
    mask = rng.random((2, 5, 7)) > 0.3
    ours = built_mha(query, value, **options)
    theirs = keras.layers.MultiHeadAttention(**{"num_heads": 2, "key_dim": 3, **options})
    theirs(query, value)
    theirs.set_weights(ours.get_weights())
    assert [w.shape for w in theirs.get_weights()] == [w.shape for w in ours.get_weights()]
    for kwargs in ({"attention_mask": mask}, {"use_causal_mask": True}, {}):
        expected = theirs(query, value, **kwargs)
        got = ours(T(query), T(value), **{k: T(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()})
        np.testing.assert_allclose(keras.ops.convert_to_numpy(expected), got.detach().numpy(), atol=1e-5)
    expected, expected_scores = theirs(query, value, attention_mask=mask, return_attention_scores=True)
    got, scores = ours(T(query), T(value), attention_mask=T(mask), return_attention_scores=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(expected_scores), scores.detach().numpy(), atol=1e-6)


def test_mha_uses_keras_masks_of_query_and_value():
    query = rng.normal(size=(2, 5, 6)).astype(np.float32)
    query_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    value_mask = np.array([[1, 1, 0, 0, 0], [1, 0, 1, 1, 1]], bool)
    ours = built_mha(query, query)
    theirs = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    theirs(query, query)
    theirs.set_weights(ours.get_weights())
    q, v = T(query), T(query.copy())
    q._keras_mask, v._keras_mask = T(query_mask), T(value_mask)
    kq, kv = keras.ops.convert_to_tensor(query), keras.ops.convert_to_tensor(query.copy())
    kq._keras_mask, kv._keras_mask = keras.ops.convert_to_tensor(query_mask), keras.ops.convert_to_tensor(value_mask)
    got = ours(q, v)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs(kq, kv)), got.detach().numpy(), atol=1e-5)
    assert torch.equal(got._keras_mask, q._keras_mask)


def test_mha_on_rank_four_inputs_attends_over_both_axes():
    query = rng.normal(size=(2, 2, 3, 4)).astype(np.float32)
    layer = built_mha(query, query)
    out, scores = layer(T(query), T(query), return_attention_scores=True)
    assert out.shape == (2, 2, 3, 4) and scores.shape == (2, 2, 2, 3, 2, 3)
    flat = query.reshape(2, 6, 4)
    expected, _ = np_mha(flat, flat, flat, layer.get_weights(), 2)
    np.testing.assert_allclose(out.detach().numpy().reshape(2, 6, 4), expected, atol=1e-5)


def test_mha_layouts_round_trip_and_store_linear_weights():
    for layout, keras_shape in (("mha_projection_kernel", (5, 2, 3)), ("mha_output_kernel", (2, 3, 5))):
        value = rng.normal(size=keras_shape).astype(np.float32)
        stored = layouts.from_keras(layout, value)
        np.testing.assert_array_equal(layouts.to_keras(layout, torch.as_tensor(stored)).numpy(), value)
        assert layouts.keras_shape(layout, stored.shape) == keras_shape
    query = rng.normal(size=(1, 2, 5)).astype(np.float32)
    layer = built_mha(query, query)
    assert layer.query_dense.kernel.shape == (2, 3, 5)  # (heads, key_dim, in): a flat nn.Linear weight
    assert layer.output_dense.kernel.shape == (5, 2, 3)


def test_mha_dropout_only_in_training():
    query = rng.normal(size=(2, 4, 6)).astype(np.float32)
    layer = built_mha(query, query, dropout=0.5)
    torch.testing.assert_close(layer(T(query), T(query)), layer(T(query), T(query), training=False))
    assert not torch.allclose(layer(T(query), T(query), training=True), layer(T(query), T(query)))


def test_mha_symbolic_call_with_two_inputs_and_scores():
    query, value = lamina.Input(shape=(5, 6)), lamina.Input(shape=(7, 4))
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    out, scores = mha(query, value, return_attention_scores=True)
    assert out.shape == (None, 5, 6) and scores.shape == (None, 2, 5, 7)
    model = lamina.Model([query, value], [out, scores])
    data = [torch.randn(3, 5, 6), torch.randn(3, 7, 4)]
    got = model(data)
    expected = mha(*data, return_attention_scores=True)
    torch.testing.assert_close(got[0], expected[0])
    torch.testing.assert_close(got[1], expected[1])


def test_recorded_call_keeps_extra_tensors_and_build_shapes_for_serialization():
    from lamina.layers.layer import node_call_arguments

    query, value = lamina.Input(shape=(5, 6)), lamina.Input(shape=(7, 4))
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    out = mha(query, value, use_causal_mask=True)
    inputs, args, kwargs = node_call_arguments(out.node)
    assert inputs is query and args == (value,) and kwargs == {"use_causal_mask": True}
    assert mha._build_shapes_dict == {"query_shape": (None, 5, 6), "value_shape": (None, 7, 4)}


def test_self_attention_block_trains():
    inputs = lamina.Input(shape=(6, 8))
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(inputs, inputs)
    pooled = layers.GlobalAveragePooling1D()(attended)
    model = lamina.Model(inputs, layers.Dense(2, activation="softmax")(pooled))
    x = np.random.default_rng(2).normal(size=(64, 6, 8)).astype(np.float32)
    y = (x[:, :, 0].mean(axis=1) > 0).astype(np.int64)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=6, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_mha_config_round_trip():
    layer = layers.MultiHeadAttention(num_heads=4, key_dim=8, value_dim=2, dropout=0.1, output_shape=5)
    config = layer.get_config()
    assert layers.MultiHeadAttention.from_config(config).get_config() == config


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: layers.MultiHeadAttention(num_heads=0, key_dim=2), "num_heads must be a positive integer"),
        (lambda: layers.MultiHeadAttention(num_heads=2, key_dim=2, output_shape=(2, 3)), "output_shape"),
        (lambda: layers.Attention(score_mode="sum"), "score_mode"),
        (lambda: layers.Attention(dropout=2), "dropout"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ConfigurationError, match=match):
        make()


def test_non_default_attention_axes_and_bad_masks_are_refused():
    x = torch.randn(2, 3, 4, 5)
    with pytest.raises(ConfigurationError, match="attention_axes"):
        layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(2,))(x, x)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=2)
    q = torch.randn(2, 4, 5)
    with pytest.raises(InputError, match=r"attention_mask must broadcast to \(batch, Tq, Tv\) = \(2, 4, 4\)"):
        layer(q, q, attention_mask=torch.ones(2, 3, 4, dtype=torch.bool))
    q._keras_mask = torch.ones(2, 3, dtype=torch.bool)
    with pytest.raises(InputError, match=r"query mask must have shape \(2, 4\)"):
        layer(q, torch.randn(2, 4, 5))
    with pytest.raises(InputError, match=r"list \[query, value\]"):
        layers.Attention()(torch.randn(2, 3, 4))


# ------------------------------------------------------- Attention, Additive
@pytest.mark.parametrize(
    "name, options",
    [
        ("Attention", {}),
        ("Attention", {"use_scale": True}),
        ("Attention", {"score_mode": "concat", "use_scale": True}),
        ("AdditiveAttention", {}),
        ("AdditiveAttention", {"use_scale": False}),
    ],
)
def test_attention_layers_match_keras(name, options):
    query = rng.normal(size=(2, 5, 4)).astype(np.float32)
    value = rng.normal(size=(2, 6, 4)).astype(np.float32)
    key = rng.normal(size=(2, 6, 4)).astype(np.float32)
    query_mask = np.array([[1, 1, 1, 0, 0], [1] * 5], bool)
    value_mask = np.array([[1, 1, 0, 1, 0, 0], [1] * 6], bool)
    ours = getattr(layers, name)(**options)
    ours([T(query), T(value), T(key)])
    theirs = getattr(keras.layers, name)(**options)
    theirs([query, value, key])
    if ours.get_weights():
        ours.set_weights(random_weights(ours))
        theirs.set_weights(ours.get_weights())
    for causal in (False, True):
        expected, expected_scores = theirs(
            [query, value, key], mask=[query_mask, value_mask], return_attention_scores=True, use_causal_mask=causal
        )
        masks = [T(query_mask), T(value_mask)]
        got = ours([T(query), T(value), T(key)], mask=masks, use_causal_mask=causal)
        got_with_scores, scores = ours(
            [T(query), T(value), T(key)], mask=masks, return_attention_scores=True, use_causal_mask=causal
        )
        np.testing.assert_allclose(keras.ops.convert_to_numpy(expected), got.detach().numpy(), atol=1e-5)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(expected), got_with_scores.detach().numpy(), atol=1e-5)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(expected_scores), scores.detach().numpy(), atol=1e-6)


def test_dot_attention_matches_numpy_and_takes_masks_from_inputs():
    query = rng.normal(size=(2, 3, 4)).astype(np.float32)
    value = rng.normal(size=(2, 5, 4)).astype(np.float32)
    value_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    v = T(value)
    v._keras_mask = T(value_mask)
    out = layers.Attention()([T(query), v])
    scores = np.where(value_mask[:, None], query @ value.transpose(0, 2, 1), -np.inf)
    np.testing.assert_allclose(out.numpy(), softmax(scores) @ value, atol=1e-5)


def test_attention_symbolic_scores_shape_config_and_fit():
    query, value = lamina.Input(shape=(5, 4)), lamina.Input(shape=(6, 4))
    out, scores = layers.AdditiveAttention()([query, value], return_attention_scores=True)
    assert out.shape == (None, 5, 4) and scores.shape == (None, 5, 6)
    for layer in (layers.Attention(use_scale=True, score_mode="concat", dropout=0.2), layers.AdditiveAttention()):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    pooled = layers.GlobalAveragePooling1D()(layers.Attention(use_scale=True)([query, value]))
    model = lamina.Model([query, value], layers.Dense(1)(pooled))
    model.compile(optimizer="adam", loss="mse")
    x = [np.ones((8, 5, 4), np.float32), np.ones((8, 6, 4), np.float32)]
    before = model.get_weights()
    model.fit(x, np.zeros((8, 1)), epochs=1, verbose=0)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))


# ---- GroupQueryAttention against Keras --------------------------------------------------

gqa_rng = np.random.default_rng(0)


def normal(*shape):
    return gqa_rng.normal(size=shape).astype(np.float32)


GQA_CASES = [
    dict(head_dim=4, num_query_heads=4, num_key_value_heads=2),
    dict(head_dim=3, num_query_heads=6, num_key_value_heads=1),
    dict(head_dim=5, num_query_heads=2, num_key_value_heads=2, use_bias=False),
    dict(head_dim=4, num_query_heads=4, num_key_value_heads=2, use_gate=True),
    dict(head_dim=4, num_query_heads=4, num_key_value_heads=2, sliding_window=2),
]


@pytest.mark.parametrize("kwargs", GQA_CASES)
def test_group_query_attention_matches_keras(kwargs):
    query, value = normal(2, 5, 8), normal(2, 7, 8)
    layer, theirs, _ = compare_with_keras("GroupQueryAttention", kwargs, [query, value])
    assert [w.shape for w in layer.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    # Same sublayer/weight names in the same order (Keras's paths add the parent's name).
    assert [w.path.split("/")[-2:] for w in layer.weights] == [w.path.split("/")[-2:] for w in theirs.weights]
    ours_config, their_config = layer.get_config(), theirs.get_config()
    assert set(ours_config) == set(their_config)
    for key in ("head_dim", "num_query_heads", "num_key_value_heads", "use_bias", "use_gate", "sliding_window",
                "dropout", "seed", "trainable"):
        assert ours_config[key] == their_config[key]
    check_config_round_trip_both_ways(layer)


def check_config_round_trip_both_ways(layer):
    # Keras's class is GroupedQueryAttention, exported (and serialized) as GroupQueryAttention.
    entry = layers.serialize(layer)
    assert entry["class_name"] == "GroupQueryAttention"
    again = layers.deserialize(entry)
    assert type(again) is type(layer) and again.get_config() == layer.get_config()
    theirs = keras.layers.deserialize(entry)
    assert theirs.name == layer.name and theirs.num_key_value_heads == layer.num_key_value_heads
    assert layers.deserialize(keras.layers.serialize(theirs)).get_config() == layer.get_config()


def test_group_query_attention_with_a_separate_key():
    compare_with_keras(
        "GroupQueryAttention", dict(head_dim=4, num_query_heads=4, num_key_value_heads=2),
        [normal(2, 5, 6), normal(2, 7, 6), normal(2, 7, 6)],
    )


@pytest.mark.parametrize("scores", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_group_query_attention_masks_match_keras(scores, causal):
    # A row with every key masked takes Keras's value on both of its paths (fused / masked softmax).
    mask = gqa_rng.random((2, 5, 7)) > 0.4
    mask[0, 1] = False
    call = dict(attention_mask=torch.tensor(mask), return_attention_scores=scores, use_causal_mask=causal)
    kwargs = dict(head_dim=4, num_query_heads=4, num_key_value_heads=2, sliding_window=None if causal else 3)
    _, _, out = compare_with_keras("GroupQueryAttention", kwargs, [normal(2, 5, 8), normal(2, 7, 8)], call_kwargs=call)
    if scores:
        assert tuple(out[1].shape) == (2, 4, 5, 7)


@pytest.mark.parametrize("scores", [False, True])
def test_group_query_attention_causal_only_matches_keras(scores):
    kwargs = dict(head_dim=4, num_query_heads=4, num_key_value_heads=1)
    call = dict(use_causal_mask=True, return_attention_scores=scores)
    x = normal(2, 6, 8)
    compare_with_keras("GroupQueryAttention", kwargs, [x, x], call_kwargs=call)


def test_group_query_attention_uses_keras_masks_of_its_inputs():
    ids = np.array([[3, 1, 4, 0, 0], [2, 7, 0, 0, 0]])
    outs = []
    for lib in (lamina, keras):
        inputs = lib.Input(shape=(5,), dtype="int32")
        embedded = lib.layers.Embedding(10, 8, mask_zero=True, name="emb")(inputs)
        attended = lib.layers.GroupQueryAttention(4, 4, 2, name="gqa")(embedded, embedded)
        model = lib.Model(inputs, attended)
        outs.append(model)
    ours, theirs = outs
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(
        np.asarray(ours.predict(ids, verbose=0)), np.asarray(theirs.predict(ids, verbose=0)), atol=1e-5
    )


def test_group_query_attention_dropout_only_in_training():
    layer = layers.GroupQueryAttention(4, 4, 2, dropout=0.5)
    x = torch.tensor(normal(2, 6, 8))
    inference = layer(x, x)
    torch.testing.assert_close(layer(x, x, training=False), inference)
    assert not torch.allclose(layer(x, x, training=True), inference)
    theirs = keras.layers.GroupQueryAttention(4, 4, 2, dropout=0.5)
    theirs(x, x)
    theirs.set_weights(layer.get_weights())
    np.testing.assert_allclose(inference.detach().numpy(), theirs(x, x).detach().numpy(), atol=1e-5)


def test_group_query_attention_files_both_ways(tmp_path):
    x = normal(3, 5, 8)

    def make(L):
        layer = L.GroupQueryAttention(4, 4, 2, use_gate=True, sliding_window=3)

        class SelfAttention:
            def __call__(self, t):
                return layer(t, t, use_causal_mask=True)

        return SelfAttention()

    check_keras_files_both_ways(tmp_path, make, (5, 8), x)


def test_group_query_attention_symbolic_shapes():
    q, v = lamina.Input(shape=(5, 8)), lamina.Input(shape=(7, 6))
    out, scores = layers.GroupQueryAttention(4, 4, 2)(q, v, return_attention_scores=True)
    assert tuple(out.shape) == (None, 5, 8)
    assert tuple(scores.shape) == (None, 4, 5, 7)


def test_group_query_attention_flash_flag():
    x = torch.tensor(normal(2, 4, 8))
    with pytest.raises(ConfigurationError, match="dropout"):
        layers.GroupQueryAttention(4, 4, 2, dropout=0.1, flash_attention=True)
    layer = layers.GroupQueryAttention(4, 4, 2, flash_attention=True)
    with pytest.raises(ConfigurationError, match="scores"):
        layer(x, x, return_attention_scores=True)
    if not torch.cuda.is_available():
        with pytest.raises(ConfigurationError, match="CUDA"):
            layer(x, x)
    assert "flash_attention" not in layer.get_config()  # as Keras's config
    off = layers.GroupQueryAttention(4, 4, 2, flash_attention=False)
    assert off(x, x).shape == (2, 4, 8)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(head_dim=4, num_query_heads=6, num_key_value_heads=4), "divisible"),
        (dict(head_dim=0, num_query_heads=4, num_key_value_heads=2), "head_dim"),
        (dict(head_dim=4, num_query_heads=4, num_key_value_heads=2, sliding_window=0), "sliding_window"),
        (dict(head_dim=4, num_query_heads=4, num_key_value_heads=2, dropout=1.5), "dropout"),
    ],
)
def test_group_query_attention_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ConfigurationError, match=match):
        layers.GroupQueryAttention(**kwargs)


def test_group_query_attention_rejects_bad_masks():
    layer = layers.GroupQueryAttention(4, 4, 2)
    x = torch.tensor(normal(2, 4, 8))
    with pytest.raises(InputError, match="attention_mask"):
        layer(x, x, attention_mask=torch.ones(2, 3, 4, dtype=torch.bool))
    with pytest.raises(InputError, match="query mask"):
        layer(x, x, query_mask=torch.ones(2, 5, dtype=torch.bool))
