"""CTC, Circle and CategoricalGeneralizedCrossEntropy against real Keras 3."""

import keras
import numpy as np
import pytest
from oracle import to_numpy

import lamina
from lamina import losses
from lamina.errors import ConfigurationError


def ctc_case(seed, batch=4, steps=9, classes=5, max_label=4):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(batch, steps, classes)).astype("float32")
    labels = np.zeros((batch, max_label), dtype="int32")
    for row in range(batch):
        length = rng.integers(1, max_label + 1)
        labels[row, :length] = rng.integers(1, classes, size=length)
    return labels, logits


def circle_case(seed, batch=8, dim=6, classes=3):
    rng = np.random.default_rng(seed)
    embeddings = rng.normal(size=(batch, dim)).astype("float32")
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    return rng.integers(0, classes, size=batch).astype("int32"), embeddings


def gce_case(seed, batch=6, classes=4):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(batch, classes))
    probabilities = (np.exp(logits) / np.exp(logits).sum(1, keepdims=True)).astype("float32")
    return rng.integers(0, classes, size=batch).astype("int32"), probabilities


CASES = {
    "CTC": (ctc_case, {}),
    "Circle": (circle_case, {}),
    "CircleKeepDiagonal": (circle_case, {"remove_diagonal": False, "gamma": 16.0, "margin": 0.25}),
    "CategoricalGeneralizedCrossEntropy": (gce_case, {}),
    "CategoricalGeneralizedCrossEntropyQ": (gce_case, {"q": 0.8}),
}


def class_name(case):
    return "Circle" if case.startswith("Circle") else case.rstrip("Q")


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", None, "mean_with_sample_weight"])
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_matches_keras(case, seed, reduction, weighted):
    make, arguments = CASES[case]
    y_true, y_pred = make(seed)
    weights = np.random.default_rng(seed + 10).uniform(0.2, 2.0, len(y_true)).astype("float32")
    sample_weight = weights if weighted else None
    name = class_name(case)
    ours = getattr(losses, name)(reduction=reduction, **arguments)
    theirs = getattr(keras.losses, name)(reduction=reduction, **arguments)
    expected = to_numpy(theirs(y_true, y_pred, sample_weight=sample_weight))
    got = ours(y_true, y_pred, sample_weight=sample_weight).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("seed", [0, 3])
def test_function_forms_match_keras(seed):
    labels, logits = ctc_case(seed)
    np.testing.assert_allclose(
        losses.ctc(labels, logits).numpy(), to_numpy(keras.losses.ctc(labels, logits)), rtol=1e-5
    )
    labels, embeddings = circle_case(seed)
    ref_labels, ref = circle_case(seed + 100, batch=5)
    for kwargs in ({}, {"ref_labels": ref_labels, "ref_embeddings": ref, "gamma": 30}):
        np.testing.assert_allclose(
            losses.circle(labels, embeddings, **kwargs).numpy(),
            to_numpy(keras.losses.circle(labels, embeddings, **kwargs)),
            rtol=2e-5,
            atol=1e-5,
        )
    labels, probabilities = gce_case(seed)
    np.testing.assert_allclose(
        losses.categorical_generalized_cross_entropy(labels, probabilities, q=0.3).numpy(),
        to_numpy(keras.losses.categorical_generalized_cross_entropy(
            labels, keras.ops.convert_to_tensor(probabilities), q=0.3
        )),
        rtol=1e-6,
    )


def test_ctc_gradient_flows_to_the_logits():
    import torch

    labels, logits = ctc_case(5)
    logits = torch.tensor(logits, requires_grad=True)
    losses.CTC()(labels, logits).backward()
    assert torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_round_trips_both_ways(case):
    _, arguments = CASES[case]
    name = class_name(case)
    ours = getattr(losses, name)(name="custom", reduction="sum", **arguments)
    theirs = getattr(keras.losses, name)(name="custom", reduction="sum", **arguments)
    expected = theirs.get_config()
    config = ours.get_config()
    assert {k: v for k, v in config.items() if k != "dtype"} == expected
    rebuilt = type(theirs).from_config(ours.get_config())
    assert rebuilt.get_config() == expected
    back = losses.deserialize(keras.saving.serialize_keras_object(theirs))
    assert type(back) is type(ours) and back.get_config() == config


@pytest.mark.parametrize("name, cls", [("ctc", losses.CTC), ("circle", losses.Circle), ("CTC", losses.CTC)])
def test_get_by_keras_names(name, cls):
    assert type(losses.get(name)) is cls


def test_q_outside_the_open_interval_is_refused():
    with pytest.raises(ConfigurationError, match=r"q=1\b"):
        losses.CategoricalGeneralizedCrossEntropy(q=1)


def test_ctc_rejects_wrong_ranks():
    labels, logits = ctc_case(0)
    with pytest.raises(lamina.errors.InputError, match="max_time"):
        losses.ctc(labels, logits[0])


@pytest.mark.parametrize("direction", ["keras to lamina", "lamina to keras"])
def test_compiled_model_files_cross_over(tmp_path, direction):
    source, target = (keras, lamina) if direction == "keras to lamina" else (lamina, keras)
    labels, probabilities = gce_case(0, batch=16)
    model = source.Sequential([source.Input((4,)), source.layers.Dense(4, activation="softmax")])
    model.compile(optimizer="sgd", loss=source.losses.CategoricalGeneralizedCrossEntropy(q=0.7))
    model.save(tmp_path / "gce.keras")
    loaded = target.models.load_model(tmp_path / "gce.keras")
    assert type(loaded.loss).__name__ == "CategoricalGeneralizedCrossEntropy"
    assert loaded.loss.q == 0.7
    embed = source.Sequential([source.Input((4,)), source.layers.Dense(3), source.layers.UnitNormalization()])
    embed.compile(optimizer="sgd", loss=source.losses.Circle(gamma=20.0))
    embed.save(tmp_path / "circle.keras")
    assert target.models.load_model(tmp_path / "circle.keras").loss.gamma == 20.0
