"""``Input``: the symbolic entry point of a functional model."""

import torch

from lamina.backend import config as backend_config
from lamina.errors import ConfigurationError, describe
from lamina.layers.layer import Layer, _torch_dtype
from lamina.layers.symbolic import STRING, KerasTensor, Node


class InputLayer(Layer):
    """Holds the placeholder that ``Input`` returns; passes data through unchanged."""

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, **kwargs):
        super().__init__(name=name, dtype=dtype or backend_config.floatx(), **kwargs)
        if batch_shape is None:
            if shape is None or not isinstance(shape, (tuple, list)):
                raise ConfigurationError(
                    f"Input '{self.name}': shape must be a tuple giving one sample's shape "
                    f"(without the batch axis), e.g. Input(shape=(28, 28)). Received: shape={describe(shape)}."
                )
            batch_shape = (batch_size,) + tuple(shape)
        batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.batch_shape = batch_shape
        self.built = True
        self._build_shapes = batch_shape
        # "string" inputs stay on the host (NumPy/lists) for the preprocessing layers.
        dtype = STRING if self.dtype == "string" else _torch_dtype(self.dtype)
        tensor = KerasTensor(batch_shape, dtype=dtype, name=self.name)
        node = Node(self, [], [tensor], {})
        tensor.node = node
        self._inbound_nodes.append(node)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "batch_shape": list(self.batch_shape)}


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None):  # noqa: N802
    """A symbolic tensor standing for a model input of one-sample ``shape``.

    Example:
        >>> import lamina
        >>> x = lamina.Input(shape=(28, 28))
        >>> x.shape
        (None, 28, 28)
    """
    if isinstance(dtype, torch.dtype):
        dtype = str(dtype).replace("torch.", "")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name, batch_shape=batch_shape)
    return layer.output
