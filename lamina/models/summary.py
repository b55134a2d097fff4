"""``model.summary()``: layers, output shapes and parameter counts as a table.

Functional models get a fourth column, "Connected to", naming the tensors each layer
was called on as Keras does: ``layer_name[node_index][tensor_index]``, wrapped over
several lines when long.
"""

CONNECTIONS_WIDTH = 40


def print_summary(model, line_length=None, print_fn=None):
    print_fn = print_fn or print
    nodes = getattr(model, "_nodes", None)
    if nodes is None:
        rows = [("Layer (type)", "Output Shape", "Param #")]
        for layer in model.layers:
            rows.append((_name(layer), _output_shape(layer), _params(layer)))
    else:
        rows = [("Layer (type)", "Output Shape", "Param #", "Connected to")]
        in_model = {id(node) for node in nodes}
        for layer in graph_layers(model):
            layer_nodes = [n for n in layer._inbound_nodes if id(n) in in_model or _is_input(layer)]
            rows.append((_name(layer), _node_shapes(layer, layer_nodes), _params(layer), _connections(layer_nodes)))
    widths = [max(len(line) for row in rows for line in _lines(row[i])) + 2 for i in range(len(rows[0]))]
    if line_length:
        widths[0] = max(widths[0], line_length - sum(widths[1:]))
    total = sum(widths)
    print_fn(f'Model: "{model.name}"')
    print_fn("=" * total)
    for line in _row(rows[0], widths):
        print_fn(line)
    print_fn("=" * total)
    for row in rows[1:]:
        for line in _row(row, widths):
            print_fn(line)
        print_fn("-" * total)
    trainable = sum(int(w.numel()) for w in model.trainable_weights) if model.built else 0
    non_trainable = sum(int(w.numel()) for w in model.non_trainable_weights) if model.built else 0
    print_fn(f" Total params: {trainable + non_trainable:,}")
    print_fn(f" Trainable params: {trainable:,}")
    print_fn(f" Non-trainable params: {non_trainable:,}")
    if not model.built:
        print_fn(" (the model is not built yet: give it an input shape or call it on data)")


def graph_layers(model):
    """A functional model's layers and operation nodes in Keras's order (``_operations``),
    its input layers first."""
    ordered = [tensor.node.layer for tensor in model.inputs]
    for layer in list(getattr(model, "_operations", model.layers)) + [node.layer for node in model._nodes]:
        if all(layer is not seen for seen in ordered):
            ordered.append(layer)
    return ordered


def _is_input(layer):
    return type(layer).__name__ == "InputLayer"


def _row(cells, widths):
    """The printed lines of one table row (cells given as a list of lines span several)."""
    cells = [_lines(cell) for cell in cells]
    height = max(len(lines) for lines in cells)
    cells = [lines + [""] * (height - len(lines)) for lines in cells]
    return ["".join(f" {cell[i]}".ljust(width) for cell, width in zip(cells, widths)) for i in range(height)]


def _lines(cell):
    return cell if isinstance(cell, list) else [cell]


def _name(layer):
    return f"{layer.name} ({type(layer).__name__})"


def _output_shape(layer):
    if not layer._inbound_nodes:
        return "?"
    return _shapes_text(layer._inbound_nodes[-1])


def _node_shapes(layer, nodes):
    shapes = {_shapes_text(node) for node in nodes}
    if not shapes:
        return _output_shape(layer)
    return shapes.pop() if len(shapes) == 1 else "multiple"


def _shapes_text(node):
    shapes = [tuple(t.shape) for t in node.output_tensors]
    return str(shapes[0] if len(shapes) == 1 else shapes)


def _connections(nodes):
    names = []
    for node in nodes:
        for tensor in node.input_tensors:
            source = tensor.node.layer
            index = next(i for i, n in enumerate(source._inbound_nodes) if n is tensor.node)
            names.append(f"{source.name}[{index}][{tensor.index}]")
    if not names:
        return "-"
    lines = [names[0]]
    for name in names[1:]:
        if len(lines[-1]) + len(name) + 2 > CONNECTIONS_WIDTH:
            lines[-1] += ","
            lines.append(name)
        else:
            lines[-1] += f", {name}"
    return lines if len(lines) > 1 else lines[0]


def _params(layer):
    return f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
