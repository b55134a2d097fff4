"""GroupQueryAttention against real Keras 3: outputs, gradients, masks, configs, files."""

import numpy as np
import pytest
import torch
from oracle import check_keras_files_both_ways, compare_with_keras

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError

rng = np.random.default_rng(0)


def normal(*shape):
    return rng.normal(size=shape).astype(np.float32)


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
    keras = pytest.importorskip("keras")
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
    mask = rng.random((2, 5, 7)) > 0.4
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
    keras = pytest.importorskip("keras")
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
    keras = pytest.importorskip("keras")
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
