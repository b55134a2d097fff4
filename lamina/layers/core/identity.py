"""Identity: returns its inputs unchanged (a placeholder layer, as Keras's)."""

from lamina.layers.layer import Layer


class Identity(Layer):
    """Returns its inputs (any structure) unchanged; masks pass through."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_dtype_is_input_dtype(self):
        return True
