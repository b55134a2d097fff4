"""Masks while a functional graph is built, and on eager outputs, as Keras 3 (issue #16,
item 4): a custom layer's ``call(x, mask=None)`` receives the mask at graph-building time,
``compute_mask`` / ``supports_masking`` on custom layers follow Keras's rules, and tensors
carry ``_keras_mask``."""

import keras
import numpy as np
import torch

import lamina

TOKENS = np.array([[3, 1, 0, 0], [2, 2, 2, 0]])


def _ops(base):
    return keras.ops if base is keras else torch


def _masked_softmax_class(base, seen):
    class TemporalSoftmax(base.layers.Layer):
        """The masking guide's layer: it asserts it is given a mask."""

        def call(self, inputs, mask=None):
            seen.append(mask is not None)
            assert mask is not None
            ops = _ops(base)
            keep = ops.expand_dims(ops.cast(mask, "float32"), -1) if base is keras else mask[..., None].float()
            exp = ops.exp(inputs) * keep
            return exp / ops.sum(exp, -2, keepdims=True) if base is keras else exp / exp.sum(-2, keepdim=True)

    return TemporalSoftmax


def _tokens(base):
    return TOKENS if base is keras else torch.as_tensor(TOKENS)


def test_custom_call_receives_the_mask_while_the_graph_is_built():
    results = {}
    for base in (keras, lamina):
        seen = []
        inputs = base.Input(shape=(None,), dtype="int32")
        x = base.layers.Embedding(input_dim=10, output_dim=4, mask_zero=True)(inputs)
        x = base.layers.Dense(1)(x)
        outputs = _masked_softmax_class(base, seen)()(x)
        assert seen and all(seen)
        model = base.Model(inputs, outputs)
        results[base] = model
    theirs, ours = results[keras], results[lamina]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(TOKENS, verbose=0), theirs.predict(TOKENS, verbose=0), atol=1e-6)


def test_symbolic_tensors_carry_keras_masks():
    for base in (keras, lamina):
        inputs = base.Input(shape=(5,), dtype="int32")
        embedded = base.layers.Embedding(10, 3, mask_zero=True)(inputs)
        dense = base.layers.Dense(2)(embedded)
        pooled = base.layers.GlobalAveragePooling1D()(dense)
        assert tuple(embedded._keras_mask.shape) == (None, 5)
        assert "bool" in str(embedded._keras_mask.dtype)
        assert dense._keras_mask is not None  # Dense passes the mask on, as in Keras
        assert getattr(pooled, "_keras_mask", None) is None
        assert getattr(inputs, "_keras_mask", None) is None


def _mask_maker_class(base):
    class NonZero(base.layers.Layer):
        """Makes a mask from unmasked inputs with its own compute_mask only."""

        def call(self, inputs):
            return inputs

        def compute_mask(self, inputs, mask=None):
            ops = _ops(base)
            return ops.not_equal(inputs, 0) if base is keras else inputs != 0

    return NonZero


def _mask_reader_class(base, seen):
    class Reader(base.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            seen.append(None if mask is None else tuple(mask.shape))
            return inputs

    return Reader


def test_own_compute_mask_supports_masking_and_masks_the_next_layer():
    for base in (keras, lamina):
        maker = _mask_maker_class(base)()
        assert maker.supports_masking is True
        assert base.layers.Layer().supports_masking is False
        seen = []
        inputs = base.Input(shape=(4,), dtype="int32")
        made = maker(inputs)
        read = _mask_reader_class(base, seen)()(made)
        assert made._keras_mask is not None and read._keras_mask is not None
        model = base.Model(inputs, read)
        eager = model(_tokens(base))
        assert seen[-1] == (2, 4)
        assert tuple(eager._keras_mask.shape) == (2, 4)
        np.testing.assert_array_equal(np.asarray(eager._keras_mask), TOKENS != 0)


def test_eager_outputs_carry_masks_as_keras():
    for base in (keras, lamina):
        embed = base.layers.Embedding(10, 3, mask_zero=True)
        out = base.layers.Dense(2)(embed(_tokens(base)))
        np.testing.assert_array_equal(np.asarray(out._keras_mask), TOKENS != 0)
        assert tuple(out._keras_mask.shape) == (2, 4)
