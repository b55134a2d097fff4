"""A functional model mixing float and integer Inputs converts each array by its own Input.

Token ids above 2**24 are not representable in float32: casting them there and back
silently changes them (16777217 -> 16777216), so the ids a layer receives show whether
its input was kept as integers.
"""

import numpy as np
import pytest
import torch

import lamina

BIG_ID = 2**24 + 1


class Record(lamina.layers.Layer):
    """Records what it receives; returns its first column as float32."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, values):
        self.seen.append(values.detach().clone())
        return values[:, :1].to(torch.float32)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)


def mixed_model(ids_first, features_recorder=None):
    features, ids = lamina.Input((3,), name="features"), lamina.Input((2,), dtype="int64", name="ids")
    recorder = Record()
    features_out = features if features_recorder is None else features_recorder(features)
    merged = lamina.layers.Concatenate()([features_out, recorder(ids)])
    inputs = [ids, features] if ids_first else [features, ids]
    model = lamina.Model(inputs, lamina.layers.Dense(1)(merged))
    model.compile(optimizer="sgd", loss="mse")
    return model, recorder


def data(n=4):
    return np.ones((n, 3), "float32"), np.full((n, 2), BIG_ID, "int64")


@pytest.mark.parametrize("ids_first", [False, True])
def test_each_input_keeps_its_own_kind_in_fit_evaluate_predict(ids_first):
    model, recorder = mixed_model(ids_first)
    features, ids = data()
    x = [ids, features] if ids_first else [features, ids]
    model.fit(x, np.zeros((4, 1), "float32"), batch_size=2, epochs=1, verbose=0)
    model.evaluate(x, np.zeros((4, 1), "float32"), verbose=0)
    model.predict(x, verbose=0)
    assert recorder.seen
    for seen in recorder.seen:
        assert seen.dtype == torch.int64
        assert torch.all(seen == BIG_ID)


def test_dict_inputs_by_input_name_keep_their_kinds():
    model, recorder = mixed_model(ids_first=False)
    features, ids = data()
    model.predict({"ids": ids, "features": features}, verbose=0)
    assert recorder.seen[-1].dtype == torch.int64 and torch.all(recorder.seen[-1] == BIG_ID)


def test_a_generator_of_mixed_batches_keeps_the_ids():
    model, recorder = mixed_model(ids_first=False)
    features, ids = data()

    def batches():
        while True:
            yield [features, ids], np.zeros((4, 1), "float32")

    model.fit(batches(), steps_per_epoch=2, epochs=1, verbose=0)
    assert all(seen.dtype == torch.int64 and torch.all(seen == BIG_ID) for seen in recorder.seen[-2:])


@pytest.mark.parametrize("ids_first", [False, True])
def test_float_inputs_given_as_integers_still_become_floats(ids_first):
    features_recorder = Record()
    model, _ = mixed_model(ids_first, features_recorder)
    features, ids = data()
    integer_features = features.astype("int64")
    model.predict([ids, integer_features] if ids_first else [integer_features, ids], verbose=0)
    assert features_recorder.seen[-1].dtype == torch.float32


def test_one_array_passed_for_a_float_and_an_integer_input_is_converted_for_each():
    features_recorder = Record()
    features, ids = lamina.Input((2,), name="features"), lamina.Input((2,), dtype="int64", name="ids")
    ids_recorder = Record()
    merged = lamina.layers.Concatenate()([features_recorder(features), ids_recorder(ids)])
    model = lamina.Model([features, ids], lamina.layers.Dense(1)(merged))
    both = np.full((4, 2), BIG_ID, "int64")
    model.predict([both, both], verbose=0)
    assert features_recorder.seen[-1].dtype == torch.float32
    assert ids_recorder.seen[-1].dtype == torch.int64 and torch.all(ids_recorder.seen[-1] == BIG_ID)
