"""What SimpleRNN, LSTM and GRU share: a built-in cell made from the layer's arguments."""

from lamina.errors import ConfigurationError
from lamina.layers.rnn.rnn import RNN
from lamina.serialization import clean_config

_CELL_ONLY_KEYS = ("name", "trainable", "dtype", "batch_input_shape")
_RNN_KEYS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")


class CellLayer(RNN):
    """An ``RNN`` over a built-in cell, configured (and serialized) with flat arguments."""

    _config_lists_activity_regularizer = True

    cell_class = None
    cell_name = None

    def __init__(self, cell_kwargs, use_cudnn="auto", **kwargs):
        rnn_kwargs = {key: kwargs.pop(key) for key in _RNN_KEYS if key in kwargs}
        cell = self.cell_class(
            name=self.cell_name,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            **cell_kwargs,
        )
        super().__init__(cell, **rnn_kwargs, **kwargs)
        if use_cudnn not in ("auto", True, False):
            raise ConfigurationError(
                f"{type(self).__name__} '{self.name}': use_cudnn must be 'auto', True or False. "
                f"Received: use_cudnn={use_cudnn!r}."
            )
        self.use_cudnn = use_cudnn
        # use_cudnn=False asks for the step-by-step implementation, as in Keras.
        self.use_fused_kernels = use_cudnn is not False

    def get_config(self):
        cell_config = {k: v for k, v in self.cell.get_config().items() if k not in _CELL_ONLY_KEYS}
        config = {**super().get_config(), **cell_config}
        del config["cell"]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an instance from the dict ``get_config`` returned.

        Args:
            config: The dict ``get_config`` returned (or a Keras config).
            custom_objects: Optional ``{name: class}`` for user classes inside the config.
        """
        return cls(**clean_config(cls, config))


def cell_attribute(name):
    """A read-only layer attribute showing the cell's ``name`` (Keras's ``layer.units``...)."""
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's ``{name}``.")


for _name in (
    "units",
    "activation",
    "use_bias",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
    "seed",
):
    setattr(CellLayer, _name, cell_attribute(_name))
