"""``Layer``: the base of every lamina layer and model, and a real ``torch.nn.Module``.

A layer's constructor only stores settings. ``build(input_shape)`` creates weights with
``add_weight`` once the input shape is known (on the first call, or from ``Input``), and
``call(inputs, training=None, mask=None)`` computes with torch ops. Trainable weights
are ``nn.Parameter``s and non-trainable state is registered buffers, so ``state_dict()``,
``.to(device)``, DDP and ``torch.compile`` work as on any module.

``training=None`` means "follow the module's mode" (``model.train()`` / ``model.eval()``).
Layers start in eval mode, so ``model(x)`` is inference as in Keras; ``fit`` switches to
train mode for its duration. Random augmentation layers called on their own are the
exception (lamina/layers/training_mode.py).
"""

import functools
import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from lamina import constraints, initializers, layouts, regularizers
from lamina._typing import ArrayLike, Shape
from lamina.backend import config as backend_config
from lamina.backend.device import get_device
from lamina.backend.name_scope import scoped
from lamina.backend.naming import to_snake_case, unique_name
from lamina.backend.remat import get_current_remat_mode, rematerialized_call
from lamina.errors import ConfigurationError, InputError, describe
from lamina.layers import deferred_init, symbolic, training_mode
from lamina.layers.array_inputs import tensors_from_arrays
from lamina.layers.input_spec import check_input_spec
from lamina.layers.weight_extras import own_regularized_weights, weight_penalties
from lamina.tree.nested import flatten, flatten_shapes, is_shape, map_shapes, map_structure
from lamina.variables.variable import as_variable, rewrap

_BASE_KWARGS = ("input_shape", "batch_input_shape", "batch_size", "input_dim")

MISSING_SUPER_INIT = (
    "{cls} was used before Layer.__init__ ran. A custom layer must call "
    "`super().__init__(**kwargs)` first in its own __init__:\n\n"
    "    class {cls}(lamina.layers.Layer):\n"
    "        def __init__(self, units, **kwargs):\n"
    "            super().__init__(**kwargs)\n"
    "            self.units = units\n"
)


def _call_arguments(cls):
    """Whether ``cls.call`` takes ``training`` and ``mask``."""
    parameters = inspect.signature(cls.call).parameters
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    return ("training" in parameters or accepts_any, "mask" in parameters or accepts_any)


class Layer(nn.Module):
    """Base class of layers.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique name; defaults to the snake_case class name plus a counter.
        dtype: dtype of the weights (default ``lamina.backend.floatx()``).
        input_shape: shape of one sample, for the first layer of a ``Sequential``.
        activity_regularizer: penalty on the layer's output, added to the loss in
            training (divided by the batch size, as in Keras).
    """

    _activity_regularizer = None
    #: Whether ``train()`` / ``eval()`` chose this layer's mode (see training_mode).
    _mode_chosen = False
    #: Whether ``get_config`` writes ``activity_regularizer`` even when it is None (the
    #: layers whose Keras config always has the key: conv, RNN, Embedding, MultiHeadAttention).
    _config_lists_activity_regularizer = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _leaves_built(cls.__dict__["build"])  # type: ignore[method-assign]
        # Whether ``call`` takes ``training`` / ``mask``: read at every call, so found once
        # per class (a class attribute is also what torch.compile traces best).
        cls._call_takes = _call_arguments(cls)
        # A layer with its own compute_mask supports masking and may make a mask from
        # unmasked inputs (Keras's rule), so its compute_mask runs at every call.
        cls._computes_mask = cls.compute_mask is not Layer.compute_mask

    def __init__(
        self,
        *,
        activity_regularizer: Any = None,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        unknown = sorted(set(kwargs) - set(_BASE_KWARGS))
        if unknown:
            raise ConfigurationError(
                f"{type(self).__name__}: unexpected keyword argument(s) {unknown}. "
                f"Check the spelling against the layer's documented arguments."
            )
        super().__init__()
        self._lamina_initialized = True
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ConfigurationError(
                f"{type(self).__name__}: a layer name must be a string without '/' ('/' separates "
                f"the parts of a weight's path in saved files, as in Keras). Received: name={name!r}. "
                "Use another separator, e.g. '_'."
            )
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.dtype = _dtype_name(dtype) or backend_config.floatx()
        self._trainable = bool(trainable)
        self.built = False
        self.supports_masking = self._computes_mask
        self._own_weights = []  # (attribute name, layout, created trainable)
        self._build_shapes = None
        self._inbound_nodes = []
        self._losses = []
        self._batch_input_shape = _batch_input_shape(self.name, kwargs)
        self.activity_regularizer = activity_regularizer
        self.training = False
        remat_mode = get_current_remat_mode()  # Keras's rule: the scope at creation applies
        if remat_mode is not None:
            self._remat_mode = remat_mode

    # ----------------------------------------------------------------- building
    def build(self, input_shape: Shape) -> None:
        """Create weights for inputs of ``input_shape`` (batch first). Override this."""

    def add_weight(
        self,
        shape: Sequence[int] | None = None,
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        name: str | None = None,
        layout: str = "identity",
        autocast: bool = True,
        aggregation: str = "none",
        overwrite_with_gradient: bool = False,
    ) -> torch.Tensor:
        """Create a weight of Keras-layout ``shape``, stored in lamina's ``layout``.

        Trainable weights become ``lamina.Variable``s (``nn.Parameter``s), others
        registered buffers (``NonTrainableVariable``s); both have Keras's Variable API
        (``assign``, ``numpy()``, ``path`` = ``"layer_name/weight_name"``...). The
        initializer sees the Keras-layout shape (so fans match Keras), and the value is
        then converted with ``lamina.layouts.from_keras(layout, ...)``. ``autocast``,
        ``aggregation`` and ``overwrite_with_gradient`` are accepted for Keras code and
        have no effect.
        """
        if "_lamina_initialized" not in self.__dict__:
            raise ConfigurationError(MISSING_SUPER_INIT.format(cls=type(self).__name__))
        name = name or f"weight_{len(self._own_weights)}"
        if not name.isidentifier() or hasattr(type(self), name):
            raise ConfigurationError(
                f"Layer '{self.name}': add_weight needs a name usable as an attribute. Received: name={name!r}."
            )
        dtype = _torch_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating_point else "zeros"
        shape = tuple(int(d) for d in (shape or ()))
        regularizer, constraint = regularizers.get(regularizer), constraints.get(constraint)
        initializer = initializers.get(initializer)

        def initial_value():
            value = initializer(shape, dtype=dtype)
            return layouts.from_keras(layout, value).contiguous().to(get_device())

        skipped = deferred_init.recorder()  # loading: the file gives the value (see deferred_init)
        value = initial_value() if skipped is None else deferred_init.placeholder(layout, shape, dtype)
        path = scoped(f"{self.name}/{name}")
        if trainable:
            self.register_parameter(name, as_variable(value, name, path, True, self._trainable))
        else:
            self.register_buffer(name, as_variable(value, name, path, False))
        self._own_weights.append((name, layout, bool(trainable)))
        if skipped is not None:
            skipped.append((getattr(self, name), initial_value))
        if regularizer is not None or constraint is not None:
            self._weight_extras = getattr(self, "_weight_extras", {})
            self._weight_extras[name] = (regularizer, constraint)
        return getattr(self, name)

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True,
                     regularizer=None, constraint=None, name=None):
        """Keras's other name for ``add_weight`` (same arguments, same result)."""
        return self.add_weight(shape, initializer, dtype, trainable, regularizer, constraint, name)

    def _apply(self, fn, recurse=True):
        # ``.to()``/``.double()`` replace buffers with plain tensors: keep their Variable API.
        before = dict(self._buffers)
        super()._apply(fn, recurse)
        for key, buffer in self._buffers.items():
            if buffer is not None and before.get(key) is not None:
                self._buffers[key] = rewrap(buffer, before[key])
        return self

    def build_from_shapes(self, input_shape, **extra_shapes):
        """Build once for ``input_shape`` (idempotent).

        ``extra_shapes`` are the shapes of further tensor arguments of ``call``, passed
        to ``build`` as ``<argument>_shape`` keywords when ``build`` declares them (as in
        Keras: ``build(self, query_shape, value_shape)`` for ``call(self, query, value)``).
        """
        if not self.built:
            self.build(input_shape, **extra_shapes)
            if extra_shapes:
                # Keras's build_config form for builds with several shapes ("shapes_dict").
                first = list(inspect.signature(type(self).build).parameters)[1]
                self._build_shapes_dict = {first: input_shape, **extra_shapes}
            self._build_shapes = input_shape
            self.built = True

    # ----------------------------------------------------------------- calling
    def __call__(self, inputs, *args, **kwargs):
        if _PACKED_CALL in kwargs:
            inputs, args = _unpack_call(inputs, kwargs)
        if self.__dict__.get("input_spec") is not None:
            check_input_spec(self, self.__dict__["input_spec"], inputs)
        if type(inputs) is not torch.Tensor and symbolic.is_symbolic(inputs):
            return self._symbolic_call(inputs, *args, **kwargs)
        if type(inputs) is not torch.Tensor:
            inputs = tensors_from_arrays(inputs, self.__dict__.get("dtype"))
        if self.__dict__.get("input_spec") is not None:
            check_input_spec(self, self.__dict__["input_spec"], inputs)
        built = self.__dict__.get("built")
        if not built:
            if built is None:
                raise ConfigurationError(MISSING_SUPER_INIT.format(cls=type(self).__name__))
            self._build_from_values(inputs, args, kwargs)
        if _calls_running[0]:
            return self._eager_call(inputs, args, kwargs)
        # The outermost call starts with no losses, as Keras's: ``layer.losses`` holds what
        # this call added, however often the layer ran before.
        self._clear_losses()
        _calls_running[0] = True
        try:
            return self._eager_call(inputs, args, kwargs)
        finally:
            _calls_running[0] = False

    def _eager_call(self, inputs, args, kwargs):
        accepts_training, accepts_mask = self._call_takes
        if accepts_training:
            if kwargs.get("training") is None:
                kwargs["training"] = self._training_when_unset()
        elif "training" in kwargs:
            del kwargs["training"]
        mask = kwargs.pop("mask", None)
        if mask is None:
            mask = _mask_of(inputs)
        if accepts_mask and mask is not None:
            kwargs["mask"] = mask
        try:
            remat_mode = self.__dict__.get("_remat_mode")
            if remat_mode is None:
                outputs = super().__call__(inputs, *args, **kwargs)
            else:
                outputs = rematerialized_call(self, super().__call__, remat_mode, inputs, args, kwargs)
        except (RuntimeError, IndexError) as err:
            self._explain_call_error(inputs, err)
            raise
        if type(outputs) is not torch.Tensor:
            _check_call_outputs(self, outputs)
        if self._activity_regularizer is not None and self.training:
            self._add_activity_loss(outputs)
        if mask is not None or self.produces_mask or self._computes_mask:
            _attach_mask(outputs, self.compute_mask(inputs, mask))
        return outputs

    def forward(self, *args, **kwargs):
        return self.call(*args, **kwargs)

    def _training_when_unset(self):
        """``training`` for a call that gives none: the module's mode (see training_mode)."""
        return self.training

    def train(self, mode: bool = True) -> "Layer":
        """Train mode (``mode=False``: eval mode) for this layer and its sublayers, as
        ``nn.Module.train``; the mode then holds for calls without ``training``."""
        super().train(mode)
        if not training_mode.in_loop():
            self._mode_chosen = True
        return self

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """Compute the layer's output with torch ops. Override this."""
        return inputs

    def _build_from_values(self, inputs, args=(), kwargs=None):
        extra = self._declared_call_extras(type(self).build, inputs, args, kwargs, _batchless_shapes)
        self.build_from_shapes(_batchless_shapes(inputs), **extra)
        first = next((t for t in flatten(inputs) if isinstance(t, torch.Tensor)), None)
        if first is not None and any(p.device != first.device for p in self.parameters()):
            self.to(first.device)

    def _explain_call_error(self, inputs, err):
        expected = self._build_shapes
        received = map_structure(lambda t: tuple(getattr(t, "shape", ())), inputs)
        if expected is None or not _shapes_conflict(expected, received):
            return
        raise InputError(
            f"Layer '{self.name}' ({type(self).__name__}) was built for inputs of shape "
            f"{_show_shape(expected)} but received {_show_shape(received)}. Give the model data "
            f"of the shape it was built for, or build a new model for this shape."
        ) from err

    def _symbolic_call(self, inputs, *args, **kwargs):
        if "built" not in self.__dict__:
            raise ConfigurationError(MISSING_SUPER_INIT.format(cls=type(self).__name__))
        if self.__dict__.get("input_spec") is not None:
            check_input_spec(self, self.__dict__["input_spec"], inputs)
        shapes = symbolic.shape_of(inputs)
        extra = self._declared_call_extras(type(self).build, inputs, args, kwargs, symbolic.shape_of)
        self.build_from_shapes(shapes, **extra)
        mask = kwargs.get("mask")
        mask = _mask_of(inputs) if mask is None else mask
        # As in Keras, a call that accepts ``mask`` receives the input's mask while the
        # graph is built too (not recorded: the replay finds it on the tensors).
        shape_kwargs = kwargs
        if mask is not None and self._call_takes[1] and "mask" not in kwargs:
            shape_kwargs = {**kwargs, "mask": mask}
        output_shape = self._symbolic_output_shape(inputs, args, shape_kwargs)
        outputs = _placeholders_like(output_shape, self._symbolic_output_dtype(inputs), self.name)
        if mask is not None or self.produces_mask or self._computes_mask:
            _attach_mask(outputs, self._symbolic_mask(inputs, mask))
        return self._record_node(inputs, args, kwargs, outputs)

    def _symbolic_mask(self, inputs, mask):
        """The output mask of a symbolic call, as symbolic tensors (``compute_mask`` run on
        placeholder values when the layer has its own)."""
        if not self._computes_mask:
            return self.compute_mask(inputs, mask)
        device = next((p.device for p in self.parameters()), get_device())
        values, mask_values = symbolic.placeholder_values([inputs, mask], device)
        with torch.no_grad():
            result = self.compute_mask(values, mask_values)
        reference = next((t.shape for t in flatten(inputs) if isinstance(t, symbolic.KerasTensor)), ())

        def as_symbolic(value):
            if not isinstance(value, torch.Tensor):
                return value
            shape = [reference[i] if 0 < i < len(reference) else d for i, d in enumerate(value.shape)]
            return symbolic.KerasTensor([None, *shape[1:]] if shape else [], dtype=value.dtype, name=f"{self.name}_mask")

        return map_structure(as_symbolic, result)

    def _record_node(self, inputs, args, kwargs, outputs):
        """Record the symbolic call ``self(inputs, *args, **kwargs) -> outputs`` in the graph."""
        node_inputs, node_kwargs = _pack_call(inputs, args, kwargs)
        node = symbolic.Node(self, node_inputs, outputs, node_kwargs)
        for index, tensor in enumerate(node.output_tensors):
            tensor.node, tensor.index = node, index
        self._inbound_nodes.append(node)
        return outputs

    def _symbolic_output_dtype(self, inputs):
        if self.compute_dtype_is_input_dtype():
            return next(t.dtype for t in flatten(inputs) if isinstance(t, symbolic.KerasTensor))
        return _torch_dtype(self.dtype)

    def compute_dtype_is_input_dtype(self):
        """Whether outputs keep an integer input dtype (shape-only layers); floats otherwise."""
        return False

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape`` (batch first, ``None`` unknown).

        The default runs the layer once on small zero tensors; layers override it when
        the shape follows from a formula.
        """
        placeholders = map_shapes(
            lambda shape: symbolic.KerasTensor(shape, dtype=self._placeholder_dtype()), input_shape
        )
        return self._output_shape_from_placeholders(placeholders)

    def _output_shape_from_placeholders(self, inputs, args=(), kwargs=None):
        """Output shapes found by running the layer on zeros standing in for symbolic tensors."""
        device = next((p.device for p in self.parameters()), get_device())
        values = symbolic.placeholder_values([inputs, list(args), dict(kwargs or {})], device)
        was_training = self.training
        training_mode.set_mode_quietly(self, False)
        try:
            with torch.no_grad():
                out = self(values[0], *values[1], **dict(values[2], training=False))
        finally:
            training_mode.set_mode_quietly(self, was_training)
        return map_structure(lambda t: (None,) + tuple(t.shape[1:]), out)

    def _symbolic_output_shape(self, inputs, args, kwargs):
        method = type(self).compute_output_shape
        extra = self._declared_call_extras(method, inputs, args, kwargs, symbolic.shape_of)
        if method is Layer.compute_output_shape and symbolic.is_symbolic([list(args), kwargs]):
            return self._output_shape_from_placeholders(inputs, args, kwargs)
        return method(self, symbolic.shape_of(inputs), **extra)

    def _declared_call_extras(self, method, inputs, args, kwargs, shape_fn):
        """What ``method`` (``build`` / ``compute_output_shape``) declares beyond its first argument.

        A parameter ``<name>_shape`` receives the shape of the call argument ``<name>``;
        another parameter named like a call argument receives that argument's value.
        """
        names = _extra_parameters(method)
        if not names or not (args or kwargs):
            return {}
        try:
            bound = inspect.signature(type(self).call).bind(self, inputs, *args, **(kwargs or {}))
        except TypeError:
            return {}
        arguments = bound.arguments
        extras = {}
        for name in names:
            base = name[: -len("_shape")] if name.endswith("_shape") else None
            if base is not None and arguments.get(base) is not None:
                extras[name] = shape_fn(arguments[base])
            elif base is None and name in arguments:
                extras[name] = arguments[name]
        return extras

    def _placeholder_dtype(self):
        return _torch_dtype(self.dtype)

    #: True for layers that make a mask from their inputs (Embedding(mask_zero=True), Masking).
    produces_mask = False

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output: the input mask if ``supports_masking``.

        Masks travel on tensors as ``tensor._keras_mask`` (as in Keras 3): a layer called
        on a masked tensor receives ``mask=`` when its ``call`` accepts it, and its output
        carries ``compute_mask(inputs, mask)``.
        """
        return mask if self.supports_masking else None

    # ------------------------------------------------------------ trainability
    @property
    def trainable(self):
        """Whether training updates the weights; setting it applies to every sublayer too."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for name, _, created_trainable in self._own_weights:
            if created_trainable:
                getattr(self, name).requires_grad_(self._trainable)
        for layer in self._sublayers():
            layer.trainable = value
        for module in self._foreign_modules():
            module.requires_grad_(self._trainable)

    def _sublayers(self):
        return [m for m in self.children() if isinstance(m, Layer)]

    def _foreign_modules(self):
        return [m for m in self.children() if not isinstance(m, Layer)]

    # ------------------------------------------------------------------ weights
    def _weight_entries(self):
        """(tensor, layout, trainable, name) for every weight, in Keras's order."""
        entries = []
        own = [(n, lay, t) for n, lay, t in self._own_weights if t] + [
            (n, lay, t) for n, lay, t in self._own_weights if not t
        ]
        for name, layout, created_trainable in own:
            entries.append((getattr(self, name), layout, created_trainable and self._trainable, name))
        for child in self.children():
            if isinstance(child, Layer):
                entries.extend(child._weight_entries())
            else:
                entries.extend(_module_entries(child, self._trainable))
        return entries

    @property
    def weights(self):
        """All weights (trainable first, then non-trainable, per layer), as torch tensors."""
        return [entry[0] for entry in self._weight_entries()]

    @property
    def trainable_weights(self):
        """The weights that training updates, as torch tensors."""
        return [entry[0] for entry in self._weight_entries() if entry[2]]

    @property
    def non_trainable_weights(self):
        """The weights training leaves alone (frozen weights, statistics), as torch tensors."""
        return [entry[0] for entry in self._weight_entries() if not entry[2]]

    @property
    def variables(self):
        """Same as ``weights`` (Keras's other name for it)."""
        return self.weights

    @property
    def trainable_variables(self):
        """Same as ``trainable_weights`` (Keras's other name for it)."""
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        """Same as ``non_trainable_weights`` (Keras's other name for it)."""
        return self.non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """Weights as NumPy arrays in Keras's order and layout (see ``lamina.layouts``)."""
        return [
            np.array(layouts.to_keras(layout, tensor.detach().cpu()).numpy())
            for tensor, layout, _, _ in self._weight_entries()
        ]

    def set_weights(self, weights: Sequence[ArrayLike]) -> None:
        """Set weights from NumPy arrays in Keras's order and layout.

        The order is ``layer.weights``: for each layer its trainable weights, then its
        non-trainable ones (BatchNormalization: gamma, beta, moving_mean, moving_variance).
        Every array is checked against the weight's Keras-layout shape before anything
        is written, so a wrong list changes nothing.
        """
        entries = self._weight_entries()
        if len(weights) != len(entries):
            raise InputError(
                f"Layer '{self.name}': set_weights expects {len(entries)} arrays "
                f"({[name for *_, name in entries]}) but received {len(weights)}."
            )
        converted = []
        for (tensor, layout, _, name), value in zip(entries, weights):
            value = np.asarray(value)
            expected = layouts.keras_shape(layout, tuple(tensor.shape))
            if tuple(value.shape) != expected:
                raise InputError(
                    f"Layer '{self.name}': weight '{name}' has shape {expected} (Keras layout) "
                    f"but set_weights received an array of shape {tuple(value.shape)}."
                )
            converted.append(layouts.from_keras(layout, torch.as_tensor(value)))
        with torch.no_grad():
            for (tensor, *_), value in zip(entries, converted):
                tensor.copy_(value.to(dtype=tensor.dtype, device=tensor.device))

    def count_params(self) -> int:
        """Number of scalars in all weights."""
        if not self.built:
            raise ConfigurationError(
                f"Layer '{self.name}' is not built yet, so it has no weights to count. Call it on "
                f"data, or give the model an input shape (Input(...) or input_shape=...)."
            )
        return sum(int(t.numel()) for t in self.weights)

    # ------------------------------------------------------------------- losses
    def add_loss(self, loss: torch.Tensor) -> None:
        """Add a scalar loss tensor (e.g. an activity penalty) collected by ``fit``.

        As in Keras, the outermost layer or model call clears the losses of the call
        before, so ``layer.losses`` lists those of the latest call only.
        """
        self._losses.append(loss)

    @property
    def activity_regularizer(self):
        """Penalty on the layer's output (a regularizer or ``None``); settable, as in Keras."""
        return self._activity_regularizer

    @activity_regularizer.setter
    def activity_regularizer(self, value):
        self._activity_regularizer = regularizers.get(value)

    def _add_activity_loss(self, outputs):
        for output in flatten(outputs):
            if isinstance(output, torch.Tensor):
                penalty = self._activity_regularizer(output)
                if output.dim() > 0:
                    penalty = penalty / max(int(output.shape[0]), 1)
                self._losses.append(penalty)

    @property
    def losses(self):
        """Losses added during the last call and the weight regularization penalties (on the
        current weights), this layer's and its sublayers', as in Keras."""
        collected = list(self._losses)
        regularized = own_regularized_weights(self)
        if regularized:
            collected.extend(weight_penalties(regularized))
        for layer in self._sublayers():
            collected.extend(layer.losses)
        return collected

    def _clear_losses(self):
        for module in self.modules():
            if getattr(module, "_losses", None):
                module._losses.clear()

    # ------------------------------------------------------------------- config
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this layer (override and extend)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._activity_regularizer is not None or self._config_lists_activity_regularizer:
            config["activity_regularizer"] = regularizers.serialize(self._activity_regularizer)
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild an instance from the dict ``get_config`` returned."""
        return cls(**config)

    # ------------------------------------------------------------------- extras
    @property
    def input_shape(self):
        """The input shape the layer was built for (batch first), or None before it is built."""
        return self._build_shapes

    @property
    def input(self):
        """The symbolic input of the layer's first call in a graph (a list for several), as
        Keras 3's ``layer.input``. AttributeError if it was never called on symbolic tensors."""
        return self._node_tensors(0, "input_tensors", "input")

    @property
    def output(self):
        """The symbolic output of the layer's first call in a graph (a list for several), as
        Keras 3's ``layer.output``: ``Model(base.inputs, base.get_layer(name).output)``
        extracts features. ``get_output_at(i)`` gives a later call's."""
        return self._node_tensors(0, "output_tensors", "output")

    @property
    def output_shape(self):
        """Shape of ``output`` (a list of shapes for several outputs), batch first."""
        output = self.output
        return [t.shape for t in output] if isinstance(output, list) else output.shape

    def get_input_at(self, node_index: int):
        """The symbolic input of the layer's call number ``node_index`` in graphs (0 first)."""
        return self._node_tensors(node_index, "input_tensors", "input")

    def get_output_at(self, node_index: int):
        """The symbolic output of the layer's call number ``node_index`` in graphs (0 first)."""
        return self._node_tensors(node_index, "output_tensors", "output")

    def _node_tensors(self, node_index, attribute, what):
        nodes = self.__dict__.get("_inbound_nodes") or []
        if not nodes:
            raise AttributeError(
                f"Layer '{self.name}' has never been called on symbolic tensors and thus has no "
                f"defined {what}. Call it on lamina.Input(...) (or a tensor made from one) first."
            )
        if not isinstance(node_index, int) or not 0 <= node_index < len(nodes):
            raise InputError(
                f"Layer '{self.name}': asked for the {what} at node {node_index!r}, but the layer "
                f"has {len(nodes)} inbound node(s) (one per call on symbolic tensors)."
            )
        tensors = list(getattr(nodes[node_index], attribute))
        return tensors[0] if len(tensors) == 1 else tensors

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# A functional model replays a node as ``layer(node_inputs, **node_kwargs)``. When a layer
# was called with more tensors than ``inputs`` (``mha(query, value)``, ``initial_state=``),
# those tensors join the node's inputs and this keyword says how to unpack them.
_PACKED_CALL = "_lamina_packed_call"

# Whether a layer call is running (its sublayers' calls are not the outermost one).
_calls_running = [False]

Layer._call_takes = _call_arguments(Layer)
Layer._computes_mask = False


def _pack_call(inputs, args, kwargs):
    tensor_names = [name for name, value in kwargs.items() if symbolic.is_symbolic(value)]
    if not args and not tensor_names:
        return inputs, kwargs
    packed = [inputs, *args, *(kwargs[name] for name in tensor_names)]
    rest = {name: value for name, value in kwargs.items() if name not in tensor_names}
    rest[_PACKED_CALL] = (len(args), tuple(tensor_names))
    return packed, rest


def _unpack_call(packed, kwargs):
    """Inverse of ``_pack_call``; moves the tensor keywords back into ``kwargs``."""
    count, names = kwargs.pop(_PACKED_CALL)
    kwargs.update(zip(names, packed[1 + count :]))
    return packed[0], tuple(packed[1 : 1 + count])


def node_call_arguments(node):
    """``(inputs, args, kwargs)`` of the call a ``symbolic.Node`` recorded, as the user wrote it.

    ``mha(query, value, attention_mask=mask)`` gives ``(query, (value,), {"attention_mask":
    mask})`` (Keras's ``inbound_nodes`` form: ``args = [inputs, *args]``).
    """
    kwargs = dict(node.call_kwargs)
    if _PACKED_CALL not in kwargs:
        return node.inputs, (), kwargs
    inputs, args = _unpack_call(node.inputs, kwargs)
    return inputs, args, kwargs


@functools.cache
def _extra_parameters(method):
    parameters = list(inspect.signature(method).parameters.values())[2:]
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(p.name for p in parameters if p.kind in kinds)


def _batchless_shapes(values):
    shapes = map_structure(lambda t: tuple(t.shape) if hasattr(t, "shape") else t, values)
    return map_shapes(lambda s: (None,) + s[1:] if is_shape(s) and s else s, shapes)


def _check_call_outputs(layer, outputs):
    """A layer's ``call`` must give tensors (or a list/tuple/dict of them); say so clearly."""
    leaves = flatten(outputs)
    if any(isinstance(leaf, torch.Tensor) for leaf in leaves) and all(
        leaf is None or isinstance(leaf, torch.Tensor) for leaf in leaves
    ):
        return
    hint = " Did `call` forget its `return`?" if outputs is None else ""
    raise ConfigurationError(
        f"Layer '{layer.name}' ({type(layer).__name__}): call() returned {describe(outputs)}, "
        f"which is not a tensor.{hint} A layer's call must return a torch.Tensor, or a list, "
        f"tuple or dict of tensors; wrap a computed number with torch.as_tensor(value)."
    )


def _mask_of(inputs):
    if type(inputs) is torch.Tensor or isinstance(inputs, symbolic.KerasTensor):
        return getattr(inputs, "_keras_mask", None)
    if isinstance(inputs, (list, tuple)):
        masks = [getattr(t, "_keras_mask", None) for t in inputs]
        return masks if any(m is not None for m in masks) else None
    return None


def _attach_mask(outputs, mask):
    if mask is None:
        return
    if isinstance(outputs, (torch.Tensor, symbolic.KerasTensor)):
        outputs._keras_mask = mask
    elif isinstance(outputs, (list, tuple)):
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(outputs)
        for output, output_mask in zip(outputs, masks):
            if isinstance(output, (torch.Tensor, symbolic.KerasTensor)) and output_mask is not None:
                output._keras_mask = output_mask


def _module_entries(module, trainable):
    entries = [(p, "identity", trainable and p.requires_grad, n) for n, p in module.named_parameters()]
    entries += [(b, "identity", False, n) for n, b in module.named_buffers()]
    return entries


def _batch_input_shape(layer_name, kwargs):
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    shape = kwargs.get("input_shape")
    if shape is None and kwargs.get("input_dim") is not None:
        shape = (kwargs["input_dim"],)
    if shape is None:
        return None
    if isinstance(shape, int):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not all(d is None or int(d) > 0 for d in shape):
        raise ConfigurationError(
            f"Layer '{layer_name}': input_shape must be a tuple of positive sizes for one sample "
            f"(without the batch). Received: input_shape={describe(shape)}."
        )
    return (kwargs.get("batch_size"),) + tuple(shape)


def _dtype_name(dtype):
    """A dtype name from a name, a torch dtype or a Keras DTypePolicy config (mixed -> float32)."""
    if isinstance(dtype, dict):
        dtype = (dtype.get("config") or {}).get("name")
    if isinstance(dtype, torch.dtype):
        dtype = str(dtype).replace("torch.", "")
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return "float32"
    return dtype


def _torch_dtype(dtype):
    if isinstance(dtype, torch.dtype):
        return dtype
    resolved = getattr(torch, str(dtype), None)
    if not isinstance(resolved, torch.dtype):
        raise ConfigurationError(f"Unknown dtype. Received: dtype={str(dtype)!r:.80}. Use a name such as 'float32'.")
    return resolved


def _placeholders_like(output_shape, dtype, layer_name):
    def build(shape):
        if not is_shape(shape):
            raise TypeError(f"Layer '{layer_name}': compute_output_shape returned {shape!r}.")
        return symbolic.KerasTensor(shape, dtype=dtype or torch.float32, name=layer_name)

    return map_shapes(build, output_shape)


def _shapes_conflict(expected, received):
    expected, received = flatten_shapes(expected), flatten_shapes(received)
    if len(expected) != len(received):
        return True
    for e, r in zip(expected, received):
        if len(e) != len(r) or any(a is not None and a != b for a, b in zip(e[1:], r[1:])):
            return True
    return False


def _show_shape(shape):
    return str(shape).replace("None", "batch") if shape is not None else "unknown"


def _leaves_built(build):
    """A layer class's ``build``, wrapped so that calling it directly leaves the layer built
    (as Keras's): ``layer.build(shape)`` then ``set_weights(...)`` must not be undone by a
    second build at the first call. The one wrapper lamina puts around a method of yours."""

    @functools.wraps(build)
    def build_and_mark(self, *args, **kwargs):
        result = build(self, *args, **kwargs)
        if not self.built:
            self.built = True
            shapes = args or tuple(kwargs.values())
            if self._build_shapes is None and shapes:
                self._build_shapes = shapes[0]
        return result

    return build_and_mark
