"""Optimizer state in legacy Keras full-model ``.h5`` files (``optimizer_weights``).

Keras trains a few steps and writes ``model.save("x.h5")`` (its legacy writer); lamina
loads the file and trains on, and ends where the Keras model that wrote the file ends when
it trains on. (Keras 3.15 cannot resume from the file itself: its legacy loader builds the
optimizer for ``model._trainable_variables``, empty for a Sequential or functional model,
so it restores the step count and learning rate only, and ``fit`` then fails with
"Unknown variable".) A file whose optimizer arrays do not fit (a slot of the wrong shape, one array
too many or too few, a size bomb) is refused with ``SavingError``.
"""

import warnings

import h5py
import keras
import numpy as np
import pytest

import lamina
from lamina.errors import SavingError

OPTIMIZERS = {
    "adam": lambda library: library.optimizers.Adam(0.02),
    "sgd_momentum": lambda library: library.optimizers.SGD(0.05, momentum=0.9),
    "rmsprop_momentum": lambda library: library.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adamw_amsgrad": lambda library: library.optimizers.AdamW(0.02, amsgrad=True),
    "nadam": lambda library: library.optimizers.Nadam(0.02),
}
STEPS_BEFORE, STEPS_AFTER = 4, 3


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6)).astype("float32")
    return x, (x[:, :1] - x[:, 1:2] > 0).astype("int32").ravel()


def keras_model(optimizer):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer=OPTIMIZERS[optimizer](keras), loss="sparse_categorical_crossentropy")
    return model


def train(model, steps):
    x, y = data()
    model.fit(x, y, batch_size=8, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
    return model


def keras_file(tmp_path, optimizer):
    """The legacy file Keras writes after ``STEPS_BEFORE`` steps, and the Keras model."""
    path = tmp_path / f"{optimizer}.h5"
    model = train(keras_model(optimizer), STEPS_BEFORE)
    model.save(str(path), include_optimizer=True)
    return path, model


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_training_resumes_from_a_keras_legacy_file_as_in_keras(tmp_path, optimizer):
    path, source = keras_file(tmp_path, optimizer)
    expected = train(source, STEPS_AFTER).get_weights()

    model = lamina.models.load_model(path)
    assert model.optimizer.iterations == STEPS_BEFORE
    resumed = train(model, STEPS_AFTER).get_weights()
    for mine, theirs in zip(resumed, expected):
        np.testing.assert_allclose(mine, theirs, atol=1e-5)

    # The state matters: a fresh optimizer ends elsewhere.
    fresh = lamina.models.load_model(path)
    fresh.compile(optimizer=OPTIMIZERS[optimizer](lamina), loss="sparse_categorical_crossentropy")
    restarted = train(fresh, STEPS_AFTER).get_weights()
    assert max(np.abs(a - b).max() for a, b in zip(restarted, expected)) > 1e-3


def test_compile_false_skips_the_optimizer_state(tmp_path):
    model = lamina.models.load_model(keras_file(tmp_path, "adam")[0], compile=False)
    assert not model.compiled


def edited(path, change):
    with h5py.File(path, "r+") as handle:
        change(handle["optimizer_weights"])
    return path


def names(group):
    return [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs["weight_names"]]


def set_names(group, values):
    group.attrs["weight_names"] = [n.encode() for n in values]


def _reshape_first_slot(group):
    name = names(group)[2]
    value = group[name][()]
    del group[name]
    group.create_dataset(name, data=np.zeros(value.shape[::-1] + (1,), value.dtype))


def _drop_last_name(group):
    set_names(group, names(group)[:-1])


def _repeat_last_name(group):
    set_names(group, names(group) + names(group)[-1:])


def _integer_slot(group):
    name = names(group)[3]
    value = group[name][()]
    del group[name]
    group.create_dataset(name, data=value.astype("int32"))


def _size_bomb(group):
    name = names(group)[2]
    del group[name]
    group.create_dataset(name, shape=(2**16, 2**16), dtype="float32")  # 16 GiB declared, nothing stored


def _missing_array(group):
    name = names(group)[4]
    del group[name]


def _group_for_array(group):
    name = names(group)[5]
    del group[name]
    group.create_group(name)


HOSTILE = {
    "mis-shaped slot": (_reshape_first_slot, "expected shape"),
    "one array too few": (_drop_last_name, "lists 13 optimizer arrays"),
    "one array too many": (_repeat_last_name, "lists 15 optimizer arrays"),
    "integer slot": (_integer_slot, "expected a float array"),
    "size bomb": (_size_bomb, "expected shape"),
    "missing array": (_missing_array, "found nothing"),
    "group for an array": (_group_for_array, "not an array"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_file_whose_optimizer_arrays_do_not_fit_is_refused(tmp_path, case):
    change, message = HOSTILE[case]
    path = edited(keras_file(tmp_path, "adam")[0], change)
    with pytest.raises(SavingError, match=message) as raised:
        lamina.models.load_model(path)
    assert "optimizer_weights" in str(raised.value)
    assert not lamina.models.load_model(path, compile=False).compiled  # the rest still loads


def test_tf_keras_2_optimizer_weights_start_fresh_with_a_warning(tmp_path):
    path = keras_file(tmp_path, "adam")[0]
    with h5py.File(path, "r+") as handle:
        group = handle["optimizer_weights"]
        renamed = [n.replace("adam/", "Adam/") + ":0" for n in names(group)[:1]]
        del handle["optimizer_weights"]
        group = handle.create_group("optimizer_weights")
        group.create_dataset(renamed[0], data=np.int64(4))
        set_names(group, renamed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = lamina.models.load_model(path)
    assert any("tf.keras 2" in str(w.message) for w in caught)
    assert model.optimizer.iterations == 0
