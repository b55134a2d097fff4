"""``model.summary()``: layers, output shapes and parameter counts as a table."""


def print_summary(model, line_length=None, print_fn=None):
    print_fn = print_fn or print
    rows = [("Layer (type)", "Output Shape", "Param #")]
    for layer in model.layers:
        rows.append((f"{layer.name} ({type(layer).__name__})", _output_shape(layer), _params(layer)))
    widths = [max(len(row[i]) for row in rows) + 2 for i in range(3)]
    if line_length:
        widths[0] = max(widths[0], line_length - widths[1] - widths[2])
    total = sum(widths)
    print_fn(f'Model: "{model.name}"')
    print_fn("=" * total)
    print_fn(_row(rows[0], widths))
    print_fn("=" * total)
    for row in rows[1:]:
        print_fn(_row(row, widths))
        print_fn("-" * total)
    trainable = sum(int(w.numel()) for w in model.trainable_weights) if model.built else 0
    non_trainable = sum(int(w.numel()) for w in model.non_trainable_weights) if model.built else 0
    print_fn(f" Total params: {trainable + non_trainable:,}")
    print_fn(f" Trainable params: {trainable:,}")
    print_fn(f" Non-trainable params: {non_trainable:,}")
    if not model.built:
        print_fn(" (the model is not built yet: give it an input shape or call it on data)")


def _row(cells, widths):
    return "".join(f" {cell}".ljust(width) for cell, width in zip(cells, widths))


def _output_shape(layer):
    if not layer._inbound_nodes:
        return "?"
    outputs = layer._inbound_nodes[-1].output_tensors
    shapes = [tuple(t.shape) for t in outputs]
    return str(shapes[0] if len(shapes) == 1 else shapes)


def _params(layer):
    return f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
