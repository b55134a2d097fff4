"""``Model``: a Layer with the training API. ``Model(inputs, outputs)`` builds a functional graph."""

import inspect
from collections.abc import Callable
from typing import Any

from lamina._typing import PathLike
from lamina.errors import ConfigurationError
from lamina.layers import training_mode
from lamina.layers.layer import Layer, _call_arguments
from lamina.layers.preprocessing.base_image_layer import is_augmentation_pipeline
from lamina.models.summary import print_summary
from lamina.saving import keras_archive, model_files, weights_file
from lamina.serialization import serialize_layer
from lamina.training.trainer import Trainer


def _check_overwrite(filepath, overwrite):
    import os

    if not overwrite and os.path.exists(filepath):
        raise ConfigurationError(f"{str(filepath)!r} exists and overwrite=False.")


def functional_arguments(args, kwargs):
    """Whether constructor arguments are ``(inputs, outputs)``, as Keras decides it."""
    return len(args) == 2 or (len(args) == 1 and "outputs" in kwargs) or ("inputs" in kwargs and "outputs" in kwargs)


def become_functional(cls, functional):
    """Put ``functional`` in place of ``Model`` among the bases of ``cls`` and its ancestors."""
    if issubclass(cls, functional):
        return
    bases = []
    for base in cls.__bases__:
        if base is Model:
            base = functional
        elif isinstance(base, type) and issubclass(base, Model):
            become_functional(base, functional)
        bases.append(base)
    cls.__bases__ = tuple(bases)
    cls._call_takes = _call_arguments(cls)
    # Saved as the user's class (found through custom_objects), not as Keras's Functional.
    cls.__dict__.get("_keras_module") or setattr(cls, "_keras_module", Model._keras_module)
    if "_keras_registered_name" not in cls.__dict__:
        cls._keras_registered_name = None


def _takes_functional_arguments(cls, functional):
    """Whether ``cls(inputs, outputs, name=..., trainable=...)`` builds a functional model of ``cls``."""
    if cls is Model or issubclass(cls, functional) and cls.__init__ is functional.__init__:
        return True
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    kinds = {p.kind for p in parameters}
    if inspect.Parameter.VAR_POSITIONAL in kinds and inspect.Parameter.VAR_KEYWORD in kinds:
        return True
    return [p.name for p in parameters[:2]] == ["inputs", "outputs"]


class Model(Trainer, Layer):
    """Groups layers into an object with ``compile``/``fit``/``evaluate``/``predict``.

    Three ways to make one, as in Keras:

    - functional: ``Model(inputs, outputs)`` with tensors from ``lamina.Input``;
    - ``Sequential([...])``;
    - subclassing: define layers in ``__init__`` (after ``super().__init__()``) and the
      forward computation in ``call``.

    Example:
        >>> import numpy as np, lamina
        >>> inputs = lamina.Input(shape=(3,))
        >>> model = lamina.Model(inputs, lamina.layers.Dense(1)(inputs))
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> history = model.fit(np.ones((8, 3)), np.zeros((8, 1)), epochs=2, verbose=0)
        >>> len(history.history["loss"])
        2
    """

    _keras_module = "keras"

    def _training_when_unset(self):
        # A model of augmentation layers only augments as they do (see training_mode).
        if is_augmentation_pipeline(self.layers):
            return training_mode.augmenting_mode(self)
        return self.training

    #: ``Functional``, set by lamina.models.functional (which imports this module).
    _functional_class = None

    def __new__(cls, *args, **kwargs):
        if cls is Model and functional_arguments(args, kwargs):
            return super().__new__(cls._functional_class)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        functional = self._functional_class
        if functional_arguments(args, kwargs) and not isinstance(self, functional):
            # ``class CustomModel(Model)`` built as ``CustomModel(inputs, outputs)``: as in
            # Keras, the class becomes a functional model class (Functional joins its bases).
            become_functional(type(self), functional)
            functional.__init__(self, *args, **kwargs)
            return
        super().__init__(**kwargs)
        self._compiled = None

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an instance from the dict ``get_config`` returned.

        A functional config rebuilds a functional model of ``cls`` (a ``Model`` subclass
        built as ``CustomModel(inputs, outputs)`` comes back as one), as in Keras.

        Args:
            config: The dict ``get_config`` returned (or a Keras config).
            custom_objects: Optional ``{name: class}`` for user classes inside the config.
        """
        functional = cls._functional_class
        if "input_layers" in config and _takes_functional_arguments(cls, functional):
            return functional.from_config.__func__(cls, config, custom_objects)
        return cls(**config)

    @property
    def layers(self):
        """The model's layers, in the order they were added or are run."""
        return [m for m in self.children() if isinstance(m, Layer)]

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by ``name`` or by position ``index`` in ``model.layers`` (one of them)."""
        layers = self.layers
        if (name is None) == (index is None):
            raise ConfigurationError(
                f"get_layer: pass a name or an index, not both or neither. Received: name={name!r}, index={index!r}."
            )
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ConfigurationError(
                    f"get_layer: index {index} is out of range for a model with {len(layers)} layers."
                )
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ConfigurationError(
            f"get_layer: no layer named {name!r}. Layers: {[layer.name for layer in layers]}."
        )

    def save(self, filepath: PathLike, overwrite: bool = True, include_optimizer: bool = True) -> None:
        """Save the whole model to a Keras 3 ``.keras`` archive (atomically)."""
        _check_overwrite(filepath, overwrite)
        keras_archive.save_model(self, filepath, include_optimizer=include_optimizer)

    def save_weights(self, filepath: PathLike, overwrite: bool = True) -> None:
        """Save the weights to a Keras 3 ``.weights.h5`` file (atomically)."""
        _check_overwrite(filepath, overwrite)
        weights_file.save_weights(self, filepath)

    def load_weights(self, filepath: PathLike, skip_mismatch: bool = False, by_name: bool = False) -> Any:
        """Load weights saved by ``save_weights`` (lamina's or Keras's), a ``.keras``
        file's weights, or a legacy Keras ``.h5`` file (``keras.applications`` weights,
        tf.keras 2's ``save_weights("x.h5")``, a full-model ``.h5``).

        A mismatch raises an error listing missing, unexpected and mis-shaped weights
        and loads nothing; ``skip_mismatch=True`` loads what fits and returns the report
        (and warns). ``by_name=True`` (legacy ``.h5`` only, as in Keras) matches layers
        by name instead of position: layers the file does not name keep their weights.
        """
        return model_files.load_model_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def to_json(self, **kwargs: Any) -> str:
        """The model's config as a JSON string (Keras format)."""
        import json

        return json.dumps(serialize_layer(self), **kwargs)

    def summary(
        self, line_length: int | None = None, print_fn: Callable[[str], Any] | None = None
    ) -> None:
        """Print a table of layers, output shapes and parameter counts."""
        print_summary(self, line_length=line_length, print_fn=print_fn)

    def _track_layer(self, layer):
        """Register ``layer`` as a child module named by its position, as ``nn.Sequential``
        does, so two models of the same architecture have the same state_dict keys."""
        names = [other.name for other in self.children() if isinstance(other, Layer)]
        if layer.name in names and all(other is not layer for other in self.children()):
            raise ConfigurationError(
                f"Model '{self.name}': two different layers are named {layer.name!r}. "
                f"Layer names must be unique within a model: pass name=... to one of them."
            )
        self.add_module(str(len(self._modules)), layer)
