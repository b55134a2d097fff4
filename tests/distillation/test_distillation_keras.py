"""lamina.distillation against Keras 3.15's keras.distillation: loss values, a short
distillation run's loss trajectory on the same weights, and configs both ways."""

import numpy as np
import pytest
import torch

import lamina
from lamina import distillation as D


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


RNG = np.random.default_rng(0)
TEACHER = RNG.normal(size=(6, 5)).astype("float32") * 2
STUDENT = RNG.normal(size=(6, 5)).astype("float32")


def _scalar(x):
    return float(x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x))


def _logits_losses(library):
    L = library.losses
    return {
        "default_name": dict(),
        "kl_object": dict(temperature=4.0, loss=L.KLDivergence()),
        "crossentropy_from_logits": dict(temperature=2.0, loss=L.CategoricalCrossentropy(from_logits=True)),
        "crossentropy_name": dict(temperature=1.5, loss="categorical_crossentropy"),
    }


@pytest.mark.parametrize("case", list(_logits_losses(lamina)))
def test_logits_distillation_values_match_keras(keras, case):
    ours = D.LogitsDistillation(**_logits_losses(lamina)[case])
    theirs = keras.distillation.LogitsDistillation(**_logits_losses(keras)[case])
    value = ours.compute_loss(torch.as_tensor(TEACHER), torch.as_tensor(STUDENT))
    expected = theirs.compute_loss(keras.ops.convert_to_tensor(TEACHER), keras.ops.convert_to_tensor(STUDENT))
    assert value.ndim == 0
    np.testing.assert_allclose(_scalar(value), _scalar(expected), rtol=1e-5)


def test_several_outputs_with_a_skipped_one_match_keras(keras):
    teacher, student = [TEACHER, TEACHER[:, :3]], [STUDENT, STUDENT[:, :3]]
    ours = D.LogitsDistillation(loss=[lamina.losses.KLDivergence(), None])
    theirs = keras.distillation.LogitsDistillation(loss=[keras.losses.KLDivergence(), None])
    value = ours.compute_loss([torch.as_tensor(t) for t in teacher], [torch.as_tensor(s) for s in student])
    expected = theirs.compute_loss(teacher, student)
    np.testing.assert_allclose(_scalar(value), _scalar(expected), rtol=1e-5)
    ours = D.FeatureDistillation(loss=["mse", "cosine_similarity"])
    theirs = keras.distillation.FeatureDistillation(loss=["mse", "cosine_similarity"])
    value = ours.compute_loss([torch.as_tensor(t) for t in teacher], [torch.as_tensor(s) for s in student])
    np.testing.assert_allclose(_scalar(value), _scalar(theirs.compute_loss(teacher, student)), rtol=1e-5)


@pytest.mark.parametrize("loss", ["mse", "mae", "cosine_similarity"])
def test_feature_distillation_values_match_keras(keras, loss):
    value = D.FeatureDistillation(loss=loss).compute_loss(torch.as_tensor(TEACHER), torch.as_tensor(STUDENT))
    expected = keras.distillation.FeatureDistillation(loss=loss).compute_loss(TEACHER, STUDENT)
    np.testing.assert_allclose(_scalar(value), _scalar(expected), rtol=1e-5)


def _models(library):
    def functional(hidden, name):
        inputs = library.Input((4,))
        h = library.layers.Dense(hidden, activation="tanh", name="features")(inputs)
        h = library.layers.Dense(6, name="projection")(h)
        return library.Model(inputs, library.layers.Dense(3, name="logits")(h), name=name)

    teacher = functional(10, "teacher")
    student = library.Sequential([
        library.Input((4,)), library.layers.Dense(6, activation="tanh", name="features"),
        library.layers.Dense(6, name="projection"), library.layers.Dense(3, name="logits"),
    ], name="student")
    return teacher, student


def _distillers(library, teacher, student):
    dist = library.distillation
    return {
        "logits": dict(distillation_losses=dist.LogitsDistillation(temperature=2.0, loss=library.losses.KLDivergence())),
        "logits_and_features": dict(
            distillation_losses=[
                dist.LogitsDistillation(temperature=3.0),
                dist.FeatureDistillation(loss="mse", teacher_layer_name="projection", student_layer_name="projection"),
            ],
            distillation_loss_weights=[1.0, 0.25],
            student_loss_weight=0.3,
        ),
        "labels_only": dict(distillation_losses=dist.LogitsDistillation(), student_loss_weight=1.0),
        "teacher_only": dict(distillation_losses=dist.FeatureDistillation(loss="mae"), student_loss_weight=0.0),
    }


def _pair(keras, case):
    ours_teacher, ours_student = _models(lamina)
    theirs_teacher, theirs_student = _models(keras)
    for ours, theirs in ((ours_teacher, theirs_teacher), (ours_student, theirs_student)):
        ours.set_weights(theirs.get_weights())
    ours = D.Distiller(ours_teacher, ours_student, **_distillers(lamina, ours_teacher, ours_student)[case])
    theirs = keras.distillation.Distiller(
        theirs_teacher, theirs_student, **_distillers(keras, theirs_teacher, theirs_student)[case]
    )
    return ours, theirs


@pytest.mark.parametrize("case", ["logits", "logits_and_features", "labels_only", "teacher_only"])
def test_distillation_run_matches_keras_trajectory(keras, case):
    ours, theirs = _pair(keras, case)
    x = RNG.normal(size=(40, 4)).astype("float32")
    y = RNG.integers(0, 3, size=40)
    for library, model in ((lamina, ours), (keras, theirs)):
        # The student's loss by name (resolved to its function, as Keras does), or from the logits where
        # the labels' loss alone drives training (a probabilities loss on logits clips and drifts).
        loss = ("sparse_categorical_crossentropy" if case in ("logits", "logits_and_features")
                else library.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
    ours_history = ours.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    theirs_history = theirs.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history
    assert set(ours_history) == set(theirs_history)
    for key in theirs_history:
        np.testing.assert_allclose(ours_history[key], theirs_history[key], rtol=2e-5, atol=1e-6, err_msg=key)
    for ours_w, theirs_w in zip(ours.student.get_weights(), theirs.student.get_weights()):
        np.testing.assert_allclose(ours_w, theirs_w, rtol=1e-4, atol=1e-6)
    for ours_w, theirs_w in zip(ours.teacher.get_weights(), theirs.teacher.get_weights()):
        np.testing.assert_array_equal(ours_w, theirs_w)  # frozen
    ours_eval = ours.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    theirs_eval = theirs.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    for key in theirs_eval:
        np.testing.assert_allclose(ours_eval[key], theirs_eval[key], rtol=2e-5, atol=1e-6, err_msg=key)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=2e-5)


def test_configs_match_keras_both_ways(keras):
    ours, theirs = _pair(keras, "logits_and_features")
    ours_config, theirs_config = ours.get_config(), theirs.get_config()
    for key in ("distillation_losses", "distillation_loss_weights", "student_loss_weight", "name", "trainable"):
        assert ours_config[key] == theirs_config[key], key
    from_keras = D.Distiller.from_config(theirs_config)
    assert [type(loss).__name__ for loss in from_keras.distillation_losses] == ["LogitsDistillation", "FeatureDistillation"]
    assert from_keras.student_loss_weight == 0.3 and from_keras.distillation_loss_weights == [1.0, 0.25]
    assert isinstance(from_keras.student, lamina.Sequential)
    for loss in (D.LogitsDistillation(temperature=5, loss=lamina.losses.KLDivergence()), D.FeatureDistillation(loss="mae")):
        config = loss.get_config()
        theirs_loss = getattr(keras.distillation, type(loss).__name__).from_config(config)
        assert type(loss).from_config(theirs_loss.get_config()).get_config() == config


@pytest.mark.parametrize("make,match", [
    (lambda t, s: D.Distiller(t, s, None), "distillation_losses cannot be None"),
    (lambda t, s: D.Distiller(t, s, D.LogitsDistillation(), student_loss_weight=1.5), "student_loss_weight=1.5"),
    (lambda t, s: D.Distiller(t, s, [D.LogitsDistillation()], distillation_loss_weights=[1.0, 2.0]), "Received 2"),
    (lambda t, s: D.Distiller(t, "student", D.LogitsDistillation()), "the student must be a lamina.Model"),
    (lambda t, s: D.Distiller(t, s, D.FeatureDistillation(teacher_layer_name="nope")), "nope"),
    (lambda t, s: D.LogitsDistillation(temperature=0), "temperature=0"),
    (lambda t, s: D.LogitsDistillation(loss=[None, None]), "at least one loss"),
])
def test_bad_arguments_say_what_was_received(make, match):
    teacher, student = _models(lamina)
    with pytest.raises(ValueError, match=match):
        make(teacher, student)


def test_compile_needs_a_student_loss():
    teacher, student = _models(lamina)
    with pytest.raises(ValueError, match="cannot be None"):
        D.Distiller(teacher, student, D.LogitsDistillation()).compile(optimizer="sgd")
