"""TorchModuleWrapper: Keras's name and call convention for wrapping a ``torch.nn.Module``."""

from lamina.layers.core.torch_module import TorchModule


class TorchModuleWrapper(TorchModule):
    """Keras's ``TorchModuleWrapper``: lamina's ``TorchModule`` with Keras's call convention.

    The module's parameters and buffers are the layer's weights (under their state_dict
    names). As in Keras, ``call`` passes every positional and keyword argument to the
    module's ``forward``, and ``training=True/False`` switches the module to train/eval mode
    first. Keras saves the module itself in the config (a pickle); lamina refuses that
    (loading a pickle runs code): save the weights and rebuild the module in code.

    Args:
        module: a ``torch.nn.Module`` (lazy modules must be initialised first).
        name: layer name.
        output_shape: the shape ``compute_output_shape`` returns, when given.

    Example:
        >>> import torch, lamina
        >>> layer = lamina.layers.TorchModuleWrapper(torch.nn.Linear(4, 2))
        >>> layer(torch.ones(3, 4)).shape
        torch.Size([3, 2])
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(module, name=name, **kwargs)
        self._given_output_shape = output_shape

    def call(self, *args, training=None, **kwargs):
        if training is not None:
            self.module.train(bool(training))
        return self.module(*args, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._given_output_shape is None:
            return super().compute_output_shape(input_shape)
        return self._given_output_shape
