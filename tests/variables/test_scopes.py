"""``StatelessScope`` and ``SymbolicScope`` behave as Keras's."""

import keras
import numpy as np
import pytest

import lamina
from lamina.errors import InputError


def _run(module):
    a = module.Variable(np.ones((2,), "float32"))
    b = module.Variable(np.zeros((2,), "float32"))
    c = module.Variable(np.full((2,), 5.0, "float32"))
    with module.StatelessScope([(b, np.full((2,), 3.0, "float32"))]) as scope:
        a.assign(np.full((2,), 7.0, "float32"))
        a.assign_add(np.ones((2,), "float32"))
        b.assign_sub(np.ones((2,), "float32"))
        inside = np.asarray(keras.ops.convert_to_numpy(b.value))
    values = [np.asarray(keras.ops.convert_to_numpy(v)) for v in (a, b, c)]
    recorded = [scope.get_current_value(v) for v in (a, b, c)]
    recorded = [None if r is None else np.asarray(keras.ops.convert_to_numpy(r)) for r in recorded]
    return values, recorded, inside


def test_stateless_scope_records_updates_like_keras():
    ours, theirs = _run(lamina), _run(keras)
    for mine, keras_value in zip(ours[0] + ours[1] + [ours[2]], theirs[0] + theirs[1] + [theirs[2]]):
        if keras_value is None:
            assert mine is None
        else:
            np.testing.assert_array_equal(mine, keras_value)
    np.testing.assert_array_equal(ours[0][0], np.ones(2))  # the variable itself is untouched


def test_layer_state_updates_are_not_applied_inside_the_scope():
    layer = lamina.layers.BatchNormalization()
    layer(np.ones((4, 3), "float32"))
    mean = layer.moving_mean
    with lamina.StatelessScope() as scope:
        mean.assign(np.full((3,), 2.0, "float32"))
    np.testing.assert_array_equal(mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(scope.get_current_value(mean).numpy(), np.full(3, 2.0))


def test_state_mapping_checks_keys_and_shapes():
    v = lamina.Variable(np.ones((2,), "float32"))
    with pytest.raises(InputError, match="Received"):
        lamina.StatelessScope([("x", 1.0)])
    with pytest.raises(InputError, match="shape"):
        lamina.StatelessScope([(v, np.ones(3))])


def test_symbolic_scope_marks_the_block():
    assert not lamina.backend.in_symbolic_scope()
    with lamina.SymbolicScope() as scope:
        assert lamina.backend.in_symbolic_scope() and lamina.backend.get_symbolic_scope() is scope
    assert not lamina.backend.in_symbolic_scope()
