"""``lamina.name_scope`` prefixes variable paths as Keras (on torch) does."""

import keras
import numpy as np
import pytest

import lamina
from lamina.errors import ConfigurationError


def _paths(module):
    with module.name_scope("outer"):
        with module.name_scope("inner"):
            layer = module.layers.Dense(2, name="proj")
            layer.build((None, 3))
        variable = module.Variable(np.ones(2, "float32"), name="w")
    plain = module.Variable(np.ones(2, "float32"), name="v")
    return layer.name, [w.path for w in layer.weights], variable.path, plain.path


def test_paths_match_keras():
    assert _paths(lamina) == _paths(keras)


def test_override_parent_and_dedup_match_keras():
    def run(module):
        owner = object()
        with module.name_scope("a"):
            with module.name_scope("b", override_parent="x/y"):
                first = module.Variable(np.ones(1, "float32"), name="v").path
        with module.name_scope("c", caller=owner), module.name_scope("c", caller=owner):
            second = module.Variable(np.ones(1, "float32"), name="v").path
        return first, second
    assert run(lamina) == run(keras)


def test_bad_name_is_refused():
    with pytest.raises(ConfigurationError, match="Received: name='a/b'"):
        lamina.name_scope("a/b")
