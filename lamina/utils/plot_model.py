"""``plot_model``: draw a model's layer graph with Graphviz's ``dot`` program.

lamina writes the DOT text itself (``model_to_dot``), so only the ``dot`` binary is
needed, not pydot: ``apt-get install graphviz`` (Debian/Ubuntu), ``brew install
graphviz`` (macOS) or ``conda install graphviz``.
"""

import html
import os
import shutil
import subprocess

from lamina import activations
from lamina.errors import ConfigurationError

MISSING_DOT = (
    "plot_model needs Graphviz's `dot` program, and it is not on the PATH. Install Graphviz: "
    "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or "
    "`conda install graphviz`; then check that `dot -V` works. To get the graph without "
    "Graphviz, use lamina.utils.model_to_dot(model) (DOT text) or to_file='model.dot'."
)

_RANKDIRS = ("TB", "LR", "BT", "RL")
_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg", "gif", "ps", "eps", "dot")


def plot_model(
    model,
    to_file="model.png",
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    show_layer_activations=False,
    show_trainable=False,
):
    """Draw ``model``'s layers and connections into an image file.

    Args:
        model: a built ``Sequential`` or functional model (a subclassed model is drawn
            as one box, since its graph lives in Python code).
        to_file: output path; its extension picks the format (png, svg, pdf, jpg, gif,
            ps, eps, or dot for the DOT text itself). No extension means PNG.
        show_shapes / show_dtype: add input/output shapes and output dtypes.
        show_layer_names: show each layer's name beside its class.
        rankdir: "TB" (top to bottom), "LR", "BT" or "RL".
        expand_nested: draw nested models' layers inside a box instead of one node.
        dpi: resolution of raster formats.
        show_layer_activations / show_trainable: add the activation name / whether a
            layer with weights is trainable.

    Returns:
        An ``IPython.display.Image`` when IPython is installed (shown inline in a
        notebook), else ``None``.

    Raises:
        ImportError: if Graphviz's ``dot`` program is missing.
        ConfigurationError: for an unbuilt model or a bad argument.
    """
    text = model_to_dot(
        model,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        expand_nested=expand_nested,
        dpi=dpi,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
    )
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    if extension not in _FORMATS:
        raise ConfigurationError(
            f"plot_model: cannot write a '.{extension}' file. Use one of the extensions "
            f"{', '.join('.' + f for f in _FORMATS)}. Received: to_file={to_file!r}."
        )
    if extension == "dot":
        with open(to_file, "w", encoding="utf-8") as handle:
            handle.write(text)
        return None
    _render(text, extension, to_file)
    if extension == "pdf":
        return None
    try:
        from IPython import display
    except ImportError:
        return None
    return display.Image(filename=to_file)


def model_to_dot(
    model,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    show_layer_activations=False,
    show_trainable=False,
):
    """The DOT text (Graphviz's graph language) of ``model``'s layer graph.

    Unlike Keras, which returns a ``pydot.Dot``, this returns a string; write it to a
    ``.dot`` file or pipe it into ``dot -Tpng``.
    """
    if rankdir not in _RANKDIRS:
        raise ConfigurationError(f"plot_model: rankdir must be one of {_RANKDIRS}. Received: rankdir={rankdir!r}.")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 1:
        raise ConfigurationError(f"plot_model: dpi must be a positive integer. Received: dpi={dpi!r}.")
    if not getattr(model, "built", False):
        raise ConfigurationError(
            f"plot_model: model '{model.name}' is not built yet, so it has no graph to draw. Give "
            f"it an input shape (lamina.Input(...) or input_shape=... on the first layer) or call "
            f"it on data first."
        )
    label_options = {
        "show_shapes": show_shapes,
        "show_dtype": show_dtype,
        "show_layer_names": show_layer_names,
        "show_layer_activations": show_layer_activations,
        "show_trainable": show_trainable,
    }
    drawing = _Drawing(label_options, expand_nested)
    drawing.draw_model(model, indent="  ")
    header = [
        "digraph model {",
        f'  graph [rankdir="{rankdir}", dpi={dpi}, concentrate=true];',
        '  node [shape=plaintext, fontname="Helvetica", margin=0];',
        "  edge [arrowsize=0.8];",
    ]
    return "\n".join(header + drawing.lines + ["}"]) + "\n"


class _Drawing:
    """Accumulates DOT lines; remembers where each drawn layer's edges start and end."""

    def __init__(self, label_options, expand_nested):
        self.label_options = label_options
        self.expand_nested = expand_nested
        self.lines = []
        self.edges = set()
        self.ports = {}  # id(layer) -> (entry node per input, exit node per output)
        self.count = 0

    def draw_model(self, model, indent):
        """Draw ``model``'s layers; returns its (entries, exits)."""
        nodes = getattr(model, "_nodes", None)
        if nodes is not None:
            return self._draw_functional(model, nodes, indent)
        stack = getattr(model, "_stack", None)
        if stack is not None:
            return self._draw_sequential(model, stack, indent)
        return self.draw_layer(model, None, indent)

    def draw_layer(self, layer, nodes, indent):
        if id(layer) in self.ports:
            return self.ports[id(layer)]
        nested = getattr(layer, "_nodes", None) is not None or getattr(layer, "_stack", None) is not None
        if self.expand_nested and nested and layer.built:
            name = html.escape(f"{layer.name} ({type(layer).__name__})")
            self.count += 1
            self.lines.append(f"{indent}subgraph cluster_{self.count} {{")
            self.lines.append(f'{indent}  label=<<b>{name}</b>>; style="rounded,dashed"; fontname="Helvetica";')
            ports = self.draw_model(layer, indent + "  ")
            self.lines.append(f"{indent}}}")
        else:
            self.count += 1
            node_id = f"layer_{self.count}"
            label = _label(layer, nodes, **self.label_options)
            self.lines.append(f"{indent}{node_id} [label={label}];")
            ports = ([node_id], [node_id])
        self.ports[id(layer)] = ports
        return ports

    def edge(self, source_exits, output_index, target_entries, input_index, indent):
        source = source_exits[output_index] if output_index < len(source_exits) else source_exits[0]
        target = target_entries[input_index] if input_index < len(target_entries) else target_entries[0]
        if (source, target) not in self.edges:
            self.edges.add((source, target))
            self.lines.append(f"{indent}{source} -> {target};")

    def _draw_functional(self, model, nodes, indent):
        in_model = {id(node) for node in nodes}
        ordered = [tensor.node.layer for tensor in model.inputs]
        for node in nodes:
            if all(node.layer is not seen for seen in ordered):
                ordered.append(node.layer)
        for layer in ordered:
            layer_nodes = [n for n in layer._inbound_nodes if id(n) in in_model or not n.input_tensors]
            self.draw_layer(layer, layer_nodes, indent)
        for node in nodes:
            target_entries = self.ports[id(node.layer)][0]
            for position, tensor in enumerate(node.input_tensors):
                source_exits = self.ports[id(tensor.node.layer)][1]
                self.edge(source_exits, tensor.index, target_entries, position, indent)
        entries = [e for t in model.inputs for e in self.ports[id(t.node.layer)][0][:1]]
        exits = [self._exit_of(t) for t in model.outputs]
        return entries, exits

    def _exit_of(self, tensor):
        exits = self.ports[id(tensor.node.layer)][1]
        return exits[tensor.index] if tensor.index < len(exits) else exits[0]

    def _draw_sequential(self, model, stack, indent):
        ports = [self.draw_layer(layer, _last_node(layer), indent) for layer in stack]
        for (_, exits), (entries, _) in zip(ports, ports[1:]):
            self.edge(exits, 0, entries, 0, indent)
        if not ports:
            return self.draw_layer(model, None, indent)
        return ports[0][0], ports[-1][1]


def _last_node(layer):
    return layer._inbound_nodes[-1:] if getattr(layer, "_inbound_nodes", None) else []


def _label(layer, nodes, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable):
    """An HTML-like Graphviz label: a title row, then optional detail cells."""
    class_name = type(layer).__name__
    title = f"<b>{html.escape(layer.name)}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    cells = []
    nodes = nodes or []
    if show_shapes:
        if class_name != "InputLayer":
            cells.append(f"Input shape: <b>{_shapes(nodes, 'input_tensors')}</b>")
        cells.append(f"Output shape: <b>{_shapes(nodes, 'output_tensors')}</b>")
    if show_dtype:
        dtypes = {str(t.dtype).replace("torch.", "") for n in nodes for t in n.output_tensors}
        cells.append(f"Output dtype: <b>{html.escape(', '.join(sorted(dtypes)) or '?')}</b>")
    if show_trainable and layer.built and layer.weights:
        cells.append("Trainable" if layer.trainable else "Non-trainable")
    width = max(1, len(cells))
    rows = [f'<tr><td colspan="{width}" bgcolor="black"><font color="white">{title}</font></td></tr>']
    activation = _activation_name(layer) if show_layer_activations else None
    if activation:
        rows.append(f'<tr><td colspan="{width}">Activation: <b>{html.escape(activation)}</b></td></tr>')
    if cells:
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return '<<table border="0" cellborder="1" cellspacing="0" cellpadding="6">' + "".join(rows) + "</table>>"


def _shapes(nodes, attribute):
    texts = set()
    for node in nodes:
        shapes = [tuple(t.shape) for t in getattr(node, attribute)]
        texts.add(str(shapes[0] if len(shapes) == 1 else shapes))
    if not texts:
        return "?"
    return html.escape(texts.pop() if len(texts) == 1 else "multiple")


def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    return activations.registry.name_of(activation)


def _render(text, extension, to_file):
    program = shutil.which("dot")
    if program is None:
        raise ImportError(MISSING_DOT)
    partial = f"{to_file}.partial-{os.getpid()}"
    try:
        result = subprocess.run(
            [program, f"-T{extension}", "-o", partial], input=text.encode("utf-8"), capture_output=True
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"plot_model: Graphviz's dot failed (exit code {result.returncode}): "
                f"{result.stderr.decode(errors='replace').strip()}"
            )
        os.replace(partial, to_file)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
