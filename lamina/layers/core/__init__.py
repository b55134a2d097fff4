"""Core layers, the input placeholder and the Layer base class."""

from lamina.layers.core.activation import Activation
from lamina.layers.core.dense import Dense
from lamina.layers.core.dropout import Dropout
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.core.flatten import Flatten
from lamina.layers.core.identity import Identity
from lamina.layers.core.lambda_layer import Lambda
from lamina.layers.core.pipeline import Pipeline
from lamina.layers.core.reshape import Reshape
from lamina.layers.core.torch_module import TorchModule
from lamina.layers.core.torch_module_wrapper import TorchModuleWrapper
from lamina.layers.core.wrapper import Wrapper
from lamina.layers.input_layer import Input, InputLayer
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.symbolic import KerasTensor

__all__ = [
    "Activation",
    "Dense",
    "Dropout",
    "EinsumDense",
    "Flatten",
    "Identity",
    "Input",
    "InputLayer",
    "InputSpec",
    "KerasTensor",
    "Lambda",
    "Layer",
    "Pipeline",
    "Reshape",
    "TorchModule",
    "TorchModuleWrapper",
    "Wrapper",
]
