"""Keras's Variable API on lamina's weights (nn.Parameters and buffers), against Keras 3."""

import copy
import pickle

import keras
import numpy as np
import pytest
import torch
from torch import nn

import lamina


def _dense_model():
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(3), lamina.layers.BatchNormalization()])
    model(torch.ones(2, 4))
    return model


def test_layer_weights_have_kerass_variable_api():
    model = _dense_model()
    dense, norm = model.layers
    kernel = dense.kernel
    assert isinstance(kernel, nn.Parameter) and isinstance(kernel, lamina.Variable)
    assert kernel.name == "kernel" and kernel.path == f"{dense.name}/kernel" and kernel.trainable
    assert norm.moving_mean.path == f"{norm.name}/moving_mean" and not norm.moving_mean.trainable
    assert isinstance(norm.moving_mean, lamina.Variable) and not isinstance(norm.moving_mean, nn.Parameter)
    assert "moving_mean" in dict(norm.named_buffers())
    assert [w.name for w in model.weights] == [w.name for w in _keras_dense_model().weights]
    assert kernel.value is kernel and kernel.dtype == torch.float32  # dtype stays a torch dtype
    assert lamina.backend.standardize_dtype(kernel.dtype) == _keras_dense_model().weights[0].dtype


def _keras_dense_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.BatchNormalization()])
    return model


def test_assign_methods_work_in_place_and_return_the_variable():
    kernel = _dense_model().layers[0].kernel
    before = kernel.data_ptr()
    assert kernel.assign(np.zeros(tuple(kernel.shape))) is kernel
    assert kernel.assign_add(np.full(tuple(kernel.shape), 3.0)) is kernel
    assert kernel.assign_sub(torch.ones(tuple(kernel.shape))) is kernel
    assert kernel.data_ptr() == before and torch.all(kernel == 2.0) and kernel.requires_grad
    assert kernel.grad_fn is None  # no gradient recorded
    assert isinstance(kernel.numpy(), np.ndarray) and kernel.numpy().shape == tuple(kernel.shape)
    with pytest.raises(ValueError, match="shape must match"):
        kernel.assign(np.zeros((7,)))


def test_a_torch_loop_reads_value_grad():
    model = _dense_model()
    model(torch.randn(5, 4)).sum().backward()
    assert all(v.value.grad is not None for v in model.trainable_weights)


def test_standalone_variable_matches_keras():
    for value in [[1, 2], [1.5, 2.0], 3, np.array([1, 2], dtype="int64"), np.array([1.0])]:
        ours = lamina.Variable(value, trainable=False)
        theirs = keras.Variable(value, trainable=False)
        assert lamina.backend.standardize_dtype(ours.dtype) == theirs.dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours = lamina.Variable("ones", shape=(2, 3), name="acc")
    assert isinstance(ours, nn.Parameter) and ours.trainable and ours.path == "acc"
    assert lamina.backend.standardize_dtype(ours.dtype) == keras.Variable("ones", shape=(2, 3)).dtype
    frozen = lamina.Variable("zeros", shape=(2,), trainable=False)
    assert isinstance(frozen, lamina.Variable) and not frozen.requires_grad
    with pytest.raises(ValueError, match="needs a shape"):
        lamina.Variable("zeros")


def test_state_dict_to_deepcopy_pickle_keep_working():
    model = _dense_model()
    state = model.state_dict()
    assert all(type(t) is torch.Tensor for t in state.values())
    clone = copy.deepcopy(model)
    assert type(clone.layers[1].moving_mean).__name__ == "NonTrainableVariable"
    assert clone.layers[0].kernel.path == model.layers[0].kernel.path
    model.double()
    assert isinstance(model.layers[1].moving_mean, lamina.Variable)
    assert model.layers[1].moving_mean.dtype == torch.float64
    restored = pickle.loads(pickle.dumps(model.layers[0].kernel))
    assert isinstance(restored, lamina.Variable) and restored.path == model.layers[0].kernel.path


def test_ops_on_variables_return_plain_tensors():
    kernel = _dense_model().layers[0].kernel
    assert type(kernel * 2) is torch.Tensor and type(kernel.detach()) is torch.Tensor


def test_add_weight_and_add_variable_in_a_custom_layer():
    class Scale(lamina.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")
            self.count = self.add_variable((), "zeros", trainable=False, name="count")

        def call(self, x):
            self.count.assign_add(1.0)
            return x * self.scale

    layer = Scale(name="scale_layer")
    layer(np.ones((2, 3), "float32"))
    assert layer.scale.path == "scale_layer/scale" and layer.count.path == "scale_layer/count"
    assert float(layer.count.numpy()) == 1.0 and not layer.count.trainable


def test_metric_variables_have_the_api():
    class Total(lamina.Metric):
        def __init__(self, name="total"):
            super().__init__(name=name)
            self.total = self.add_variable((), "zeros", name="total")
            self.seen = self.add_weight(name="seen")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign_add(torch.as_tensor(y_pred, dtype=torch.float32).sum())
            self.seen.assign_add(1.0)

        def result(self):
            return self.total.clone()

    metric = Total()
    metric.update_state(None, [1.0, 2.0])
    assert float(metric.result()) == 3.0 and metric.total.path == "total/total"
    assert isinstance(metric.seen, lamina.Variable) and float(metric.seen.numpy()) == 1.0
    metric.to("cpu")
    assert isinstance(metric.variables[0], lamina.Variable)
    metric.reset_state()
    assert float(metric.total.numpy()) == 0.0
