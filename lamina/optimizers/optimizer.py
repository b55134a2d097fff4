"""Optimizer: Keras's optimizer API and update rules, computed by a torch optimizer."""

import copy
import re

import torch

from lamina.backend import foreach
from lamina.backend.tracing import eager_when_traced
from lamina.errors import ConfigurationError, SavingError, describe
from lamina.optimizers._checks import check_bool, check_number, check_optional_positive
from lamina.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from lamina.optimizers.schedules.registry import deserialize as deserialize_schedule
from lamina.optimizers.schedules.registry import serialize as serialize_schedule

_STATE_KEYS = ("iterations", "learning_rate", "torch_optimizer")

# Saved torch param_group entries that choose an implementation, not the maths. On load the
# optimizer keeps its own choice, so a state saved on CPU resumes on CUDA and back.
_IMPLEMENTATION_KEYS = ("foreach", "fused")

# Keras config entries for features lamina does not have, with the values meaning "off".
_KERAS_FEATURES_OFF = {
    "decay": (None, 0, 0.0),
}
# Keras config entries that only matter to TensorFlow.
_KERAS_IGNORED_KEYS = (
    "jit_compile",
    "is_legacy_optimizer",
)


class Optimizer:
    """Base class of lamina's optimizers: Keras's API and maths around a torch optimizer.

    As in Keras, the optimizer exists before the model's parameters do: ``build(parameters)``
    creates the torch optimizer that computes the update (``torch_optimizer``: Keras's update
    rule on torch's multi-tensor or fused kernels). A training loop calls ``zero_grad()``
    before ``backward()`` and ``step()`` after it.

    ``step()`` does what Keras's ``apply`` does, in Keras's order: divides the gradients by
    ``loss_scale_factor`` (and averages accumulated ones), clips them (``clipnorm``,
    ``clipvalue`` or ``global_clipnorm``), applies Keras's decoupled weight decay, runs the
    update, then updates the moving averages (``use_ema``). Which of these run is decided
    once, in ``build``; with none of them ``step()`` is the update plus a counter, and
    nothing in it waits for the device.

    Args:
        learning_rate: Float >= 0, or a ``lamina.optimizers.schedules.LearningRateSchedule``
            evaluated at ``iterations`` before every update (a Python computation: no device
            work). A float is readable and settable at any time, before or after build:
            ``model.optimizer.learning_rate = 1e-4``; with a schedule, reading gives the
            current value and only another schedule can be set.
        weight_decay: ``None`` or a float >= 0. If set, every parameter that has a gradient
            shrinks before each update: ``p -= learning_rate * weight_decay * p`` (Keras's
            decoupled decay). This is *not* torch's ``weight_decay`` argument, which adds
            ``weight_decay * p`` to the gradient (L2 regularisation) before momentum or
            adaptive scaling sees it.
        clipnorm: If set, each gradient tensor is scaled so that its L2 norm is at most this:
            ``g * clipnorm / max(norm(g), clipnorm)``.
        clipvalue: If set, each gradient element is clipped to ``[-clipvalue, clipvalue]``.
        global_clipnorm: If set, all gradients are scaled together so that their joint L2 norm
            is at most this: ``g * global_clipnorm * min(1 / norm, 1 / global_clipnorm)``.
        gradient_accumulation_steps: ``None`` or an int >= 2. If set, ``step()`` updates the
            parameters only every that many calls, with the mean of the gradients of those
            calls (Keras's gradient accumulation): ``zero_grad()`` keeps the gradients between
            updates, so backward passes add into them at no extra cost, and the update step
            divides them by the count. ``iterations`` then counts updates; schedules see every
            call (as in Keras). Clear gradients only through the optimizer (not
            ``model.zero_grad()``) while accumulating.
        use_ema: Whether to keep an exponential moving average of the trained weights (as
            Keras: ``average = ema_momentum * average + (1 - ema_momentum) * w`` after each
            call of ``step()``, ``average = w`` while ``iterations`` is 0).
            ``finalize_variable_values`` (called at the end of ``fit``) writes the averages
            into the weights. Defaults to False.
        ema_momentum: Float in [0, 1], the averages' momentum. Defaults to 0.99.
        ema_overwrite_frequency: ``None`` or an int >= 1: every that many iterations, the
            weights are overwritten by their averages. Defaults to None.
        loss_scale_factor: ``None`` or a float > 0. ``scale_loss(loss)`` multiplies the loss
            by it (``fit`` does so before ``backward``), and ``step()`` divides the gradients
            by it, as Keras does.
        name: Defaults to the class name in lower case.

    Only one of ``clipnorm``, ``clipvalue`` and ``global_clipnorm`` can be set.

    Subclasses implement ``_create_torch_optimizer(parameters)`` and extend ``get_config``.
    """

    # True where the torch optimizer applies the decoupled decay itself (Adam, AdamW): then
    # ``_create_torch_optimizer`` reads ``self._weight_decay_groups(parameters)``.
    _torch_applies_weight_decay = False

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
        gradient_accumulation_steps=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
    ):
        owner = type(self).__name__
        self._schedule = None
        self._steps = 0  # calls of step(); with accumulation, iterations = _steps // steps
        if isinstance(learning_rate, LearningRateSchedule):
            self._schedule = learning_rate
            learning_rate = learning_rate(0)
        self._learning_rate = check_number(owner, "learning_rate", learning_rate, low=0.0)
        self.gradient_accumulation_steps = _check_accumulation(owner, gradient_accumulation_steps)
        if weight_decay is not None:
            weight_decay = check_number(owner, "weight_decay", weight_decay, low=0.0)
        self.weight_decay = weight_decay
        self.clipnorm = check_optional_positive(owner, "clipnorm", clipnorm)
        self.clipvalue = check_optional_positive(owner, "clipvalue", clipvalue)
        self.global_clipnorm = check_optional_positive(owner, "global_clipnorm", global_clipnorm)
        clipping = {
            "clipnorm": clipnorm,
            "clipvalue": clipvalue,
            "global_clipnorm": global_clipnorm,
        }
        if sum(value is not None for value in clipping.values()) > 1:
            received = ", ".join(f"{key}={value}" for key, value in clipping.items())
            raise ConfigurationError(
                f"{owner}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: {received}."
            )
        if name is not None and not isinstance(name, str):
            raise ConfigurationError(
                f"{owner}: `name` must be a string. Received: name={describe(name)}."
            )
        self.name = name or owner.lower()
        self.use_ema = check_bool(owner, "use_ema", use_ema)
        self.ema_momentum = check_number(owner, "ema_momentum", ema_momentum, low=0.0, high=1.0)
        self.ema_overwrite_frequency = _check_frequency(owner, ema_overwrite_frequency)
        self.loss_scale_factor = check_optional_positive(
            owner, "loss_scale_factor", loss_scale_factor
        )
        self.torch_optimizer = None
        self._parameters = []
        self._parameter_ids = frozenset()
        self._parameter_names = {}
        self._excluded_ids = frozenset()
        self._excluded_pattern = None
        self._model_variables_moving_average = []
        self._before_step = None
        self._pending_state = None

    # ----------------------------------------------------------------------------- building
    @property
    def built(self):
        """Whether ``build`` has created the torch optimizer."""
        return self.torch_optimizer is not None

    def build(self, parameters):
        """Create the torch optimizer over ``parameters`` (an iterable of torch Parameters).

        Calling it again with the same parameters does nothing.

        Raises:
            ConfigurationError: if there is nothing to optimize, or the optimizer was already
                built for other parameters (create a new optimizer for a new model).
        """
        parameters, names = _parameters_and_names(parameters, type(self).__name__)
        if self.built:
            if {id(p) for p in parameters} == self._parameter_ids:
                return
            raise ConfigurationError(
                f"{type(self).__name__} '{self.name}' was already built for other parameters "
                f"({len(self._parameters)} tensors); received {len(parameters)} tensors. An "
                "optimizer keeps per-parameter state, so create a new optimizer for a new model."
            )
        if not parameters:
            raise ConfigurationError(
                f"{type(self).__name__}.build: there are no parameters to optimize. Received an "
                "empty iterable. Build the model first (call it on data or give it an Input), "
                "and check that some of its layers are trainable."
            )
        self._parameters = parameters
        self._parameter_ids = frozenset(id(p) for p in parameters)
        self._parameter_names = names
        self.torch_optimizer = self._create_torch_optimizer(parameters)
        self._decaying = [p for p in parameters if self._use_weight_decay(p)]
        if self.use_ema:
            with torch.no_grad():
                self._model_variables_moving_average = [torch.zeros_like(p) for p in parameters]
        self._before_step = self._choose_before_step()
        if self._pending_state is not None:
            state, self._pending_state = self._pending_state, None
            self.load_state_dict(state)

    @property
    def iterations(self):
        """Number of updates applied (with gradient accumulation: calls // steps)."""
        if self.gradient_accumulation_steps:
            return self._steps // self.gradient_accumulation_steps
        return self._steps

    @iterations.setter
    def iterations(self, value):
        self._steps = int(value) * (self.gradient_accumulation_steps or 1)

    def _create_torch_optimizer(self, parameters):
        raise NotImplementedError(f"{type(self).__name__} must implement _create_torch_optimizer.")

    @property
    def _trainable_variables(self):
        """The parameters the optimizer was built with, in its order (Keras's name)."""
        return list(self._parameters)

    # ------------------------------------------------------------------ weight decay
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude weights from ``weight_decay`` (before ``build``, as in Keras).

        Args:
            var_list: Weights (torch Parameters) not to decay.
            var_names: Strings; a weight whose name contains one of them (a regular
                expression search, as Keras's) is not decayed. A weight's name is its
                attribute name in its layer (``"kernel"``, ``"bias"``, ``"gamma"``...);
                names are known when the optimizer is built from a model (``fit`` does it)
                or from ``named_parameters()``.

        Raises:
            ConfigurationError: if the optimizer is already built.
        """
        if self.built:
            raise ConfigurationError(
                f"{type(self).__name__}.exclude_from_weight_decay() can only be called before "
                "the optimizer is built. Call it right after creating the optimizer, before "
                "fit() or build()."
            )
        self._excluded_ids = frozenset(id(v) for v in (var_list or ()))
        names = sorted(set(var_names or ()))
        self._excluded_pattern = re.compile("|".join(names)) if names else None

    def _use_weight_decay(self, parameter):
        if id(parameter) in self._excluded_ids:
            return False
        name = self._parameter_names.get(id(parameter))
        pattern = self._excluded_pattern
        return pattern is None or name is None or pattern.search(name) is None

    def _weight_decay_groups(self, parameters):
        """torch parameter groups: the decayed parameters, then the excluded ones."""
        decay = self.weight_decay or 0.0
        groups = [
            {"params": [p for p in parameters if self._use_weight_decay(p)], "weight_decay": decay},
            {"params": [p for p in parameters if not self._use_weight_decay(p)], "weight_decay": 0.0},
        ]
        return [group for group in groups if group["params"]]

    def _choose_before_step(self):
        """The gradient and weight work to run before each torch update, or ``None``."""
        actions = []
        if self.clipnorm is not None:
            actions.append(self._clip_each_norm)
        elif self.clipvalue is not None:
            actions.append(self._clip_values)
        elif self.global_clipnorm is not None:
            actions.append(self._clip_global_norm)
        if self.weight_decay and not self._torch_applies_weight_decay:
            actions.append(self._decay_weights)
        if not actions:
            return None
        if len(actions) == 1:
            return actions[0]

        def before_step():
            for action in actions:
                action()

        return before_step

    # ------------------------------------------------------------------------- each step
    @eager_when_traced
    def zero_grad(self):
        """Drop the gradients of the optimized parameters (``set_to_none=True``).

        With gradient accumulation, only at the start of an accumulation window.
        """
        if self.torch_optimizer is None:
            return
        steps = self.gradient_accumulation_steps
        if not steps or self._steps % steps == 0:
            self.torch_optimizer.zero_grad(set_to_none=True)

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` (``loss`` when it is not set), as Keras's."""
        if self.loss_scale_factor is None:
            return loss
        return loss * self.loss_scale_factor

    @eager_when_traced
    def step(self, grad_scaler=None):
        """Update the parameters from their ``.grad`` (clip, decay, then the update).

        With gradient accumulation, only every ``gradient_accumulation_steps`` calls, with
        the gradients averaged over those calls.

        Args:
            grad_scaler: Optional ``torch.amp.GradScaler`` whose scaled loss produced the
                gradients (float16 mixed precision). The gradients are unscaled before
                averaging and clipping, the update is skipped when they overflowed (as
                ``scaler.step`` does), and the scale is updated. Pass it here rather than
                calling ``scaler.step(optimizer.torch_optimizer)``, which would bypass
                clipping, weight decay, schedules and accumulation. When the gradients
                overflowed the update is skipped, but decoupled weight decay has already
                been applied: one tiny extra shrink per overflow.
        """
        if self.torch_optimizer is None:
            raise ConfigurationError(
                f"{type(self).__name__}.step() was called before build(parameters). Call "
                "optimizer.build(model.parameters()) first (compile/fit do it for you)."
            )
        steps = self.gradient_accumulation_steps
        if steps and (self._steps + 1) % steps:
            # Keras adds to its accumulators here; backward() already added into .grad.
            if self.use_ema:
                self._update_moving_averages()
            self._steps += 1  # the grad scaler's scale stays fixed until the update step
            return
        if grad_scaler is not None:
            grad_scaler.unscale_(self.torch_optimizer)
        divisor = (steps or 1) * (self.loss_scale_factor or 1.0)
        if divisor != 1.0:
            self._divide_gradients(divisor)
        if self._schedule is not None:
            self._write_learning_rate(self._schedule(self._steps))
        if self._before_step is not None:
            self._before_step()
        self._prepare_update(self.iterations + 1)
        if grad_scaler is None:
            self.torch_optimizer.step()
        else:
            grad_scaler.step(self.torch_optimizer)
            grad_scaler.update()
        if self.use_ema:
            self._update_moving_averages()
        self._steps += 1

    def _prepare_update(self, step):
        """Set what the torch update needs for Keras's update number ``step`` (from 1)."""
        if hasattr(self.torch_optimizer, "iterations"):
            self.torch_optimizer.iterations = step - 1

    @torch.no_grad()
    def _divide_gradients(self, divisor):
        grads = [p.grad for p in self._parameters if p.grad is not None]
        if grads:
            foreach.div_(grads, float(divisor))

    # ------------------------------------------------------------ moving averages (EMA)
    @torch.no_grad()
    def _update_moving_averages(self):
        iterations = self.iterations
        momentum = self.ema_momentum if iterations != 0 else 0.0
        averages = self._model_variables_moving_average
        foreach.mul_(averages, momentum)
        foreach.add_(averages, self._parameters, alpha=1.0 - momentum)
        frequency = self.ema_overwrite_frequency
        if frequency and (iterations + 1) % frequency == 0:
            foreach.copy_(self._parameters, averages)

    @torch.no_grad()
    def _overwrite_model_variables_with_average_value(self, trainable_variables):
        """Copy each weight's moving average into it (Keras's name and behaviour)."""
        averages = {id(p): a for p, a in zip(self._parameters, self._model_variables_moving_average)}
        pairs = [(v, averages[id(v)]) for v in trainable_variables if id(v) in averages]
        if pairs:
            foreach.copy_([v for v, _ in pairs], [a for _, a in pairs])

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, overwrite the weights in ``var_list`` with their moving averages.

        ``fit`` calls it when training ends, as Keras does; otherwise it does nothing.
        """
        if self.use_ema and self.built:
            self._overwrite_model_variables_with_average_value(var_list)

    @torch.no_grad()
    def _clip_each_norm(self):
        # g * clipnorm / max(norm(g), clipnorm), for all tensors in a few foreach kernels.
        grads = [p.grad for p in self._parameters if p.grad is not None]
        if not grads:
            return
        scales = [torch.clamp_min(n, self.clipnorm) for n in foreach.norm(grads)]
        foreach.mul_(grads, self.clipnorm)
        foreach.div_(grads, scales)

    def _clip_values(self):
        torch.nn.utils.clip_grad_value_(self._parameters, self.clipvalue)

    @torch.no_grad()
    def _clip_global_norm(self):
        grads = [p.grad for p in self._parameters if p.grad is not None]
        if not grads:
            return
        norm = torch.linalg.vector_norm(torch.stack(foreach.norm(grads)))
        limit = self.global_clipnorm
        # Keras's scale; a non-finite norm makes it NaN, as in Keras.
        scale = limit * torch.minimum(1.0 / norm, torch.full_like(norm, 1.0 / limit))
        foreach.mul_(grads, scale + (norm - norm))

    @torch.no_grad()
    def _decay_weights(self):
        decaying = [p for p in self._decaying if p.grad is not None]
        if decaying:
            rate = self.torch_optimizer.param_groups[0]["lr"]
            foreach.mul_(decaying, 1.0 - self.weight_decay * rate)

    # ------------------------------------------------------------- Keras's gradient API
    def apply_gradients(self, grads_and_vars):
        """Apply ``(gradient, parameter)`` pairs, as Keras custom training loops do.

        Builds the optimizer on the first call. Returns ``iterations``.
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self.iterations
        grads, variables = zip(*pairs)
        return self.apply(grads, variables)

    def apply(self, grads, trainable_variables=None):
        """Update ``trainable_variables`` (default: all built parameters) with ``grads``.

        A ``None`` gradient leaves its parameter unchanged. Returns ``iterations``.

        Raises:
            ConfigurationError: if the lists differ in length, a variable is not one the
                optimizer was built with, or no variables are given to an unbuilt optimizer.
        """
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ConfigurationError(
                    f"{type(self).__name__}.apply: pass `trainable_variables` on the first call "
                    "(or call optimizer.build(parameters) first)."
                )
            variables = self._parameters
        else:
            variables = list(trainable_variables)
            if self.built:
                self._check_known(variables)
            else:
                self.build(variables)
        if len(grads) != len(variables):
            raise ConfigurationError(
                f"{type(self).__name__}.apply: one gradient per variable is needed. Received "
                f"{len(grads)} gradients for {len(variables)} variables."
            )
        self.zero_grad()
        for variable, grad in zip(variables, grads):
            if grad is None:
                continue
            if variable.grad is None:
                variable.grad = grad.detach().clone() if self.gradient_accumulation_steps else grad
            else:
                variable.grad.add_(grad)
        self.step()
        return self.iterations

    def _check_known(self, variables):
        unknown = sum(id(v) not in self._parameter_ids for v in variables)
        if unknown:
            raise ConfigurationError(
                f"{type(self).__name__}.apply: {unknown} of the {len(variables)} variables are "
                "not among those the optimizer was built with. Create a new optimizer for "
                "new variables."
            )

    # ------------------------------------------------------------------- learning rate
    @property
    def learning_rate(self):
        """The current learning rate (a Python float); with a schedule, its value now."""
        if self._schedule is not None:
            return float(self._schedule(self._steps))
        if self.torch_optimizer is None:
            return self._learning_rate
        rate = self.torch_optimizer.param_groups[0]["lr"]
        return rate.item() if isinstance(rate, torch.Tensor) else rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule):
            self._schedule = value
            self._learning_rate = float(value(self._steps))
            self._write_learning_rate(self._learning_rate)
            return
        if self._schedule is not None:
            raise ConfigurationError(
                f"{type(self).__name__}: this optimizer's learning rate comes from a schedule "
                f"({type(self._schedule).__name__}), so it cannot be set to a number. Received: "
                f"learning_rate={describe(value)}. Set another schedule, or create the optimizer "
                "with a float learning_rate to change it from callbacks (ReduceLROnPlateau...)."
            )
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        value = check_number(type(self).__name__, "learning_rate", value, low=0.0)
        self._learning_rate = value
        self._write_learning_rate(value)

    @property
    def learning_rate_schedule(self):
        """The ``LearningRateSchedule`` driving the learning rate, or ``None``."""
        return self._schedule

    def _write_learning_rate(self, value):
        if self.torch_optimizer is None:
            return
        for group in self.torch_optimizer.param_groups:
            if isinstance(group["lr"], torch.Tensor):
                group["lr"].fill_(value)
            else:
                group["lr"] = value

    # ------------------------------------------------------------------------- config
    def get_config(self):
        """The constructor arguments, as a JSON-friendly dict (no parameters, no state)."""
        return {
            "name": self.name,
            "learning_rate": self._learning_rate_config(),
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
        }

    def _learning_rate_config(self):
        if self._schedule is not None:
            return serialize_schedule(self._schedule)
        return self.learning_rate

    @classmethod
    def from_config(cls, config):
        """Create an optimizer from ``get_config()``'s dict (Keras 3 configs work too).

        Raises:
            ConfigurationError: if the config asks for something lamina lacks (Keras 2's
                ``decay``) or does not fit.
        """
        arguments = _without_keras_only_keys(cls.__name__, config)
        try:
            return cls(**arguments)
        except TypeError as err:
            raise ConfigurationError(
                f"{cls.__name__}.from_config: the config does not fit ({err}). "
                f"Received: config={arguments!r}."
            ) from err

    # -------------------------------------------------------------------------- state
    def state_dict(self):
        """Everything needed to resume training exactly.

        Returns:
            ``{"iterations", "learning_rate", "torch_optimizer"}``: the step count, the
            learning rate and the torch optimizer's ``state_dict()`` (moments, step counts,
            hyper-parameters; ``None`` before build). As in torch, its tensors are the live
            state, not copies: save or deep-copy it before stepping again to keep a snapshot.
            With gradient accumulation also ``"accumulation"``: the calls seen and, in the
            middle of a window, copies of the gradients accumulated so far. With
            ``use_ema`` also ``"ema"``: the moving averages, in the order of the parameters.
        """
        state = {
            "iterations": self.iterations,
            "learning_rate": self.learning_rate,
            "torch_optimizer": None
            if self.torch_optimizer is None
            else self.torch_optimizer.state_dict(),
        }
        if self.gradient_accumulation_steps:
            state["accumulation"] = self._accumulation_state()
        if self.use_ema and self.built:
            state["ema"] = list(self._model_variables_moving_average)
        return state

    def _accumulation_state(self):
        pending = self._steps % self.gradient_accumulation_steps
        gradients = None
        if pending and self._parameters:
            gradients = [
                None if p.grad is None else p.grad.detach().clone() for p in self._parameters
            ]
        return {"steps": self._steps, "gradients": gradients}

    def _load_accumulation_state(self, accumulation):
        if not accumulation:
            return
        self._steps = int(accumulation["steps"])
        gradients = accumulation.get("gradients")
        if gradients is None or not self._parameters:
            return
        if len(gradients) != len(self._parameters):
            raise SavingError(
                f"{type(self).__name__}.load_state_dict: the saved accumulated gradients are for "
                f"{len(gradients)} parameters, this optimizer has {len(self._parameters)}."
            )
        for parameter, gradient in zip(self._parameters, gradients):
            parameter.grad = (
                None if gradient is None else gradient.detach().clone().to(parameter.device)
            )

    def load_state_dict(self, state_dict):
        """Restore ``state_dict()``'s result (copied, never shared with it).

        Before build, the state is kept and applied by ``build``.

        Raises:
            SavingError: if the dict is not an optimizer state or does not fit the parameters.
        """
        missing = [key for key in _STATE_KEYS if key not in state_dict]
        if missing:
            raise SavingError(
                f"{type(self).__name__}.load_state_dict: not an optimizer state; missing "
                f"{missing}. Received keys: {sorted(state_dict)}. Pass what state_dict() returned."
            )
        self.iterations = int(state_dict["iterations"])
        torch_state = state_dict["torch_optimizer"]
        if self.torch_optimizer is None:
            self._learning_rate = float(state_dict["learning_rate"])
            self._pending_state = state_dict if torch_state is not None else None
            if state_dict.get("accumulation"):
                self._steps = int(state_dict["accumulation"]["steps"])
            return
        self._load_accumulation_state(state_dict.get("accumulation"))
        self._load_moving_averages(state_dict.get("ema"))
        if torch_state is None:
            if self._schedule is None:
                self.learning_rate = state_dict["learning_rate"]
            return
        try:
            # torch would share same-device tensors with ``state_dict``; copy so the source
            # (a snapshot, or another optimizer's live state) is never changed by our steps.
            own_copy = copy.deepcopy(self._with_own_implementation(torch_state))
            self.torch_optimizer.load_state_dict(own_copy)
        except (ValueError, KeyError) as err:
            raise SavingError(
                f"{type(self).__name__}.load_state_dict: the saved state does not fit this "
                f"optimizer's {len(self._parameters)} parameters ({err}). Load it into the same "
                "model architecture with the same optimizer class."
            ) from err
        self._learning_rate = self.learning_rate

    @torch.no_grad()
    def _load_moving_averages(self, averages):
        if not averages or not self.use_ema:
            return
        own = self._model_variables_moving_average
        if len(averages) != len(own):
            raise SavingError(
                f"{type(self).__name__}.load_state_dict: the saved moving averages are for "
                f"{len(averages)} parameters, this optimizer has {len(own)}."
            )
        for target, value in zip(own, averages):
            target.copy_(value)

    def _with_own_implementation(self, torch_state):
        saved_groups = torch_state.get("param_groups")
        own_groups = self.torch_optimizer.param_groups
        if not isinstance(saved_groups, list) or len(saved_groups) != len(own_groups):
            return torch_state
        groups = [
            {**saved, **{key: own[key] for key in _IMPLEMENTATION_KEYS if key in own}}
            for saved, own in zip(saved_groups, own_groups)
        ]
        return {**torch_state, "param_groups": groups}

    def __repr__(self):
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def unique_parameters(parameters, owner):
    """The parameters as a list, each tensor once, in first-seen order."""
    return _parameters_and_names(parameters, owner)[0]


def _parameters_and_names(parameters, owner):
    """``(unique parameters, {id: weight name})`` from tensors or ``named_parameters()``
    pairs; a weight's name is the last part of its dotted path (``"kernel"``), as Keras's."""
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    unique, seen, names = [], set(), {}
    for parameter in parameters:
        if isinstance(parameter, tuple) and len(parameter) == 2 and isinstance(parameter[0], str):
            name, parameter = parameter
            if isinstance(parameter, torch.Tensor):
                names.setdefault(id(parameter), name.rsplit(".", 1)[-1])
        if not isinstance(parameter, torch.Tensor):
            raise ConfigurationError(
                f"{owner}.build: expected torch Parameters (e.g. model.parameters()). "
                f"Received an element {describe(parameter)}."
            )
        if id(parameter) not in seen:
            seen.add(id(parameter))
            unique.append(parameter)
    return unique, names


def _without_keras_only_keys(owner, config):
    """``config`` without Keras entries for features that are off; raise if one is on."""
    arguments = dict(config)
    if isinstance(arguments.get("learning_rate"), dict):
        arguments["learning_rate"] = deserialize_schedule(arguments["learning_rate"])
    for key, off_values in _KERAS_FEATURES_OFF.items():
        if key in arguments:
            value = arguments.pop(key)
            if value not in off_values:
                raise ConfigurationError(
                    f"{owner}.from_config: Keras's `{key}` is not supported by lamina. "
                    f"Received: {key}={describe(value)}. Remove it (or set it to {off_values[0]})."
                )
    for key in _KERAS_IGNORED_KEYS:
        arguments.pop(key, None)
    return arguments


def _check_frequency(owner, frequency):
    if frequency is None:
        return None
    if isinstance(frequency, bool) or not isinstance(frequency, int) or frequency < 1:
        raise ConfigurationError(
            f"{owner}: argument `ema_overwrite_frequency` must be None or an integer >= 1. "
            f"Received: ema_overwrite_frequency={describe(frequency)}."
        )
    return frequency


def _check_accumulation(owner, steps):
    if steps is None:
        return None
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ConfigurationError(
            f"{owner}: argument `gradient_accumulation_steps` must be None or an integer >= 2. "
            f"Received: gradient_accumulation_steps={describe(steps)}."
        )
    return steps
