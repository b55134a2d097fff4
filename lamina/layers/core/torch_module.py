"""Use any ``torch.nn.Module`` as a lamina layer."""

from torch import nn

from lamina.errors import ConfigurationError, describe
from lamina.layers.layer import Layer


class TorchModule(Layer):
    """Wraps ``module`` so it trains, counts and saves with the rest of the model.

    Its parameters are trainable weights and its buffers non-trainable ones, under the
    module's own state_dict names. ``Sequential`` and functional models wrap plain
    ``nn.Module``s with this automatically. The module's ``forward`` gets the inputs;
    a ``training`` flag reaches it through the module's train/eval mode.
    """

    def __init__(self, module, **kwargs):
        if not isinstance(module, nn.Module):
            raise ConfigurationError(f"TorchModule expects a torch.nn.Module. Received: {describe(module)}.")
        kwargs.setdefault("name", None)
        super().__init__(**kwargs)
        self.module = module
        self.module.train(False)
        self.built = True

    def call(self, inputs):
        return self.module(inputs)

    def get_config(self):
        raise NotImplementedError(
            f"TorchModule '{self.name}' wraps arbitrary Python code ({type(self.module).__name__}), "
            f"which has no config. Save its weights (save_weights / state_dict) and rebuild it in code."
        )
