"""The ``bias`` weight of the layers that take ``use_bias`` and ``bias_initializer`` /
``bias_regularizer`` / ``bias_constraint`` (Dense, convolutions, RNN cells)."""


def add_bias(layer, shape, initializer=None, layout="identity"):
    """Add ``layer.bias`` of Keras-layout ``shape`` when ``layer.use_bias`` (with
    ``initializer`` in place of the layer's own when given), else set it to None."""
    if not layer.use_bias:
        layer.bias = None
        return
    layer.add_weight(
        shape=shape,
        initializer=initializer or layer.bias_initializer,
        regularizer=layer.bias_regularizer,
        constraint=layer.bias_constraint,
        name="bias",
        layout=layout,
    )
