"""lamina.dtype_policies matches keras.dtype_policies (names, serialize format, round trips)."""

import keras
import pytest

import lamina
from lamina.errors import ConfigurationError


@pytest.mark.parametrize("name", ["float32", "mixed_float16", "mixed_bfloat16"])
def test_serialize_matches_keras(name):
    ours = lamina.dtype_policies.serialize(lamina.DTypePolicy(name))
    assert ours == keras.dtype_policies.serialize(keras.DTypePolicy(name))
    back = lamina.dtype_policies.deserialize(keras.dtype_policies.serialize(keras.DTypePolicy(name)))
    assert back == lamina.DTypePolicy(name)
    policy = lamina.dtype_policies.get(name)
    assert (policy.compute_dtype, policy.variable_dtype) == (
        keras.DTypePolicy(name).compute_dtype, keras.DTypePolicy(name).variable_dtype)


def test_float_policy_is_a_policy_and_names_are_exposed():
    assert issubclass(lamina.FloatDTypePolicy, lamina.DTypePolicy)
    assert lamina.DTypePolicy is lamina.mixed_precision.DTypePolicy
    assert lamina.dtype_policies.get(None) is None
    with pytest.raises(ConfigurationError, match="Received"):
        lamina.dtype_policies.get(3)
