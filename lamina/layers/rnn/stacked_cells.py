"""StackedRNNCells: several cells run one after the other at each timestep."""

from lamina.errors import ConfigurationError
from lamina.layers.layer import Layer, _call_arguments
from lamina.serialization import deserialize_layer, serialize_layer


class StackedRNNCells(Layer):
    """Wraps a list of cells so that ``RNN`` runs them as one (a stacked RNN in one loop).

    Unlike Keras, the states are one flat list: the states of the first cell, then
    those of the second, and so on.
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells)
        if not cells or any(getattr(c, "state_size", None) is None for c in cells):
            raise ConfigurationError(
                f"StackedRNNCells '{self.name}' needs a non-empty list of cells, each with a "
                f"`state_size`. Received: cells={cells!r}."
            )
        self.cells = cells
        for index, cell in enumerate(cells):
            setattr(self, f"cell_{index}", cell)

    @staticmethod
    def _sizes(cell):
        size = cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def state_size(self):
        """Sizes of every cell's states, as one flat list in cell order."""
        return [size for cell in self.cells for size in self._sizes(cell)]

    @property
    def output_size(self):
        """Size of the last cell's output."""
        last = self.cells[-1]
        return getattr(last, "output_size", None) or self._sizes(last)[0]

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer):
                cell.build_from_shapes(shape)
            size = getattr(cell, "output_size", None) or self._sizes(cell)[0]
            shape = shape[:-1] + (size,)

    def call(self, inputs, states, training=None):
        new_states, start = [], 0
        for cell in self.cells:
            count = len(self._sizes(cell))
            cell_states = list(states[start : start + count])
            start += count
            if isinstance(cell, Layer) and _call_arguments(type(cell))[0]:
                inputs, cell_states = cell.call(inputs, cell_states, training=training)
            else:
                inputs, cell_states = cell.call(inputs, cell_states)
            new_states.extend(cell_states if isinstance(cell_states, (list, tuple)) else [cell_states])
        return inputs, new_states

    def _saved_sublayers(self):
        """``(attribute, layers)`` Keras's weights files name by class under
        ``<attribute>/<snake_case class name>[_N]`` (see ``saving.weights_file``)."""
        return "cells", list(self.cells)

    def get_config(self):
        return {**super().get_config(), "cells": [serialize_layer(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an instance from the dict ``get_config`` returned.

        Args:
            config: The dict ``get_config`` returned (or a Keras config).
            custom_objects: Optional ``{name: class}`` for user classes inside the config.
        """
        config = dict(config)
        config["cells"] = [
            deserialize_layer(c, custom_objects) if isinstance(c, dict) else c for c in config["cells"]
        ]
        return cls(**config)
