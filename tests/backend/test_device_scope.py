"""``lamina.device(name)``: Keras's ``keras.device`` context places new weights and tensors."""

import keras
import pytest
import torch

import lamina
from lamina.errors import ConfigurationError


def test_weights_built_inside_the_block_go_to_its_device():
    with lamina.device("cpu") as chosen:
        assert chosen == torch.device("cpu")
        assert lamina.backend.get_device() == torch.device("cpu")
        layer = lamina.layers.Dense(3)
        layer(torch.ones(2, 4))
        variable = lamina.Variable(torch.zeros(2))
    assert layer.kernel.device.type == "cpu" and variable.device.type == "cpu"


def test_blocks_nest_and_restore():
    before = lamina.backend.get_device()
    with lamina.device("cpu"):
        with lamina.device("meta"):
            assert lamina.backend.get_device() == torch.device("meta")
        assert lamina.backend.get_device() == torch.device("cpu")
    assert lamina.backend.get_device() == before


def test_gpu_means_cuda_as_in_keras():
    with keras.device("gpu:1") as theirs, lamina.device("gpu:1") as ours:
        assert ours == theirs == torch.device("cuda:1")


def test_bad_device_names_the_argument():
    with pytest.raises(ConfigurationError, match="Received: 'tpu-ish'"):
        with lamina.device("tpu-ish"):
            pass
