"""The training API of ``Model``: compile, fit, evaluate, predict and the *_on_batch calls.

One training step is forward, loss (plus layer losses), backward, optimizer step and
metric update. Metric state stays on the device and nothing reads a value back to the
host per step: the progress bar reads the running values a few times per second, and
epoch logs are read once per epoch.
"""

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from lamina import distribute, mixed_precision
from lamina._typing import ArrayLike, Data, Predictions, Results
from lamina.backend import host_memory
from lamina.backend.device import get_device
from lamina.backend.tensor_versions import weights_settled
from lamina.callbacks.callback_list import CallbackList
from lamina.callbacks.history import History
from lamina.callbacks.progbar_logger import ProgbarLogger
from lamina.errors import InputError, NotCompiledError
from lamina.layers import training_mode
from lamina.layers.weight_extras import (
    apply_constraints,
    constrained_weights,
    regularized_weights,
    weight_penalties,
)
from lamina.training import custom_steps, data_parallel, jit
from lamina.training.compile_state import NO_LOSS, CompileState
from lamina.training.data import ArrayData, adapt, check_batch_size, check_steps
from lamina.training.data.packing import unpack_x_y_sample_weight
from lamina.training.fit_run import FitRun
from lamina.training.logs import MetricLogs
from lamina.training.output_mask import detach_output, keep_mask
from lamina.training.sample_weights import class_weights_for, combine_weights
from lamina.training.validation import (
    check_binary_targets,
    check_input_shape,
    check_sparse_labels,
    check_string_inputs,
)
from lamina.training.validation_split import class_labels, split_indices
from lamina.tree.nested import flatten

NO_TRAINABLE_WEIGHTS = (
    "Model '{model}' has no trainable weights (or none the loss depends on), so fit only "
    "computes the loss and metrics, as Keras does. Unfreeze layers (layer.trainable = True) "
    "to train them."
)


class Trainer:
    """Mixed into ``Model``; expects ``self`` to be a lamina ``Layer``."""

    # Declarations for the type checker only: the Layer that Model mixes this into provides them.
    name: str
    training: bool

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        metrics: Any = None,
        loss_weights: Sequence[float] | Mapping[str, float] | None = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: Any = False,
    ) -> None:
        """Configure training: optimizer, loss and metrics, each a name or an object.

        Note: this is Keras's ``compile``; ``jit_compile=True`` is where ``torch.compile``
        comes in (as on Keras's PyTorch backend).

        Args:
            optimizer: A name (``"adam"``, ``"sgd"``, ...) with Keras's defaults, or a
                ``lamina.optimizers`` object.
            loss: A name, a ``lamina.losses`` object or function, or any callable
                ``(y_true, y_pred) -> tensor``; a list or a dict by output name for a
                model with several outputs. None trains on the losses that layers add.
            metrics: Names (``"accuracy"`` resolves as in Keras) or ``lamina.metrics``
                objects; a list, or a dict by output name. As in Keras they ignore
                ``sample_weight``; masked timesteps of an output never count.
            loss_weights: Weights of the outputs' losses in the total (list or dict).
            weighted_metrics: Metrics that are weighted by ``sample_weight`` (and
                ``class_weight``), in the same forms as ``metrics``.
            run_eagerly: True turns ``jit_compile`` off (lamina otherwise always runs
                eagerly, as PyTorch does).
            steps_per_execution: Accepted for Keras compatibility; no effect.
            jit_compile: True runs ``train_step``, ``test_step`` and ``predict_step``
                under ``torch.compile`` (TorchInductor; the first steps compile, later
                ones reuse the compiled graphs). ``"auto"`` and False run eagerly, as
                Keras's PyTorch backend does. See ``lamina.training.jit``.

        Raises:
            ConfigurationError: an unknown optimizer, loss or metric name, or a loss or
                metric structure that does not match the outputs.
        """
        self._jit_compile = jit.resolve(self.name, jit_compile, run_eagerly)
        self.__dict__.pop("_jit_steps", None)
        self._compiled = CompileState(optimizer, loss, metrics, loss_weights, weighted_metrics)
        self.optimizer = self._compiled.optimizer
        self.loss = loss
        self.stop_training = False
        self._metric_logs = None

    @property
    def jit_compile(self):
        """Whether the step methods run under ``torch.compile`` (``compile(jit_compile=True)``)."""
        return getattr(self, "_jit_compile", False)

    @property
    def compiled(self):
        """Whether ``compile`` has been called."""
        return getattr(self, "_compiled", None) is not None

    @property
    def metrics(self):
        """The loss tracker and compiled metrics (built after the first fit/evaluate), then
        the ``Metric`` objects the model holds in attributes (a custom ``train_step``'s
        trackers), which ``fit`` resets at each epoch."""
        compiled = self._compiled.all_metrics() if self.compiled else []
        known = {id(metric) for metric in compiled}
        return compiled + [m for m in custom_steps.tracked_metrics(self) if id(m) not in known]

    @property
    def metrics_names(self):
        """Names of ``metrics``: ``"loss"`` first, then the compiled metrics."""
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        """Reset the state of every metric in ``metrics``."""
        for metric in self.metrics:
            metric.reset_state()

    def _require_compiled(self, method):
        if not self.compiled:
            raise NotCompiledError(
                f"Model '{self.name}': {method}() needs a compiled model. Call "
                f"model.compile(optimizer=..., loss=..., metrics=[...]) first."
            )

    # ------------------------------------------------------------- preparation
    def _target_device(self):
        first = next(self.parameters(), None)
        return first.device if first is not None else get_device()

    def _output_names(self, output):
        if isinstance(output, dict):
            return list(output)
        outputs = getattr(self, "outputs", None)
        if outputs and len(flatten(output)) > 1:
            return [t.node.layer.name for t in outputs]
        return None

    def _integer_inputs(self):
        """Whether integer input arrays stay integers (see ``data.input_kinds``)."""
        stack = getattr(self, "_stack", None)
        return bool(stack) and getattr(stack[0], "expects_integer_inputs", False)

    def _data(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, check_finite=False):
        data = adapt(x, y, sample_weight, batch_size, shuffle, self._integer_inputs(), check_finite)
        return data.to(self._target_device())

    def _prepare(self, data, training):
        """Build the model and compile state for ``data``, and check the data against them."""
        if training:  # training only: a process that just predicts keeps glibc's defaults
            host_memory.tune_host_memory()
        self.__dict__.pop("_loss_sources_cache", None)
        self.__dict__.pop("_regularized_cache", None)
        arrays = isinstance(data, ArrayData)
        if arrays:
            check_string_inputs(self, data.x)
            check_input_shape(self, data.x)
        needs_output = getattr(self, "_last_output_shape", None) is None
        if not self.built or needs_output or (self.compiled and not self._compiled.built):
            sample, sample_targets, _ = data.peek()
            mode = self.training
            nn.Module.train(self, False)
            with torch.no_grad():
                output = self(sample, training=False)
            nn.Module.train(self, mode)
            self._last_output_shape = tuple(flatten(output)[0].shape)
            self._output_shapes = [tuple(t.shape) for t in flatten(output)]
            if self.compiled and not self._compiled.built:
                self._compiled.build(output, self._output_names(output), self._target_device(), sample_targets)
                self._metric_logs = MetricLogs(self.metrics)
        self._drop_layer_losses()  # added by calls outside a training step
        if self.compiled and arrays and data.y is not None:
            check_sparse_labels(self, data.y)
            check_binary_targets(self, data.y)
        if training and not self.optimizer.built:
            parameters = list(self.named_parameters())  # names for exclude_from_weight_decay
            if parameters:  # else train_step warns, as Keras, and only computes the logs
                self.optimizer.build(parameters)
        if training:
            device = self._target_device()
            # A compiled LossScaleOptimizer scales with its own scaler: no second one.
            needs_scaler = mixed_precision.needs_loss_scaling(device) and not isinstance(
                self.optimizer, mixed_precision.LossScaleOptimizer
            )
            if needs_scaler and getattr(self, "_grad_scaler", None) is None:
                self._grad_scaler = torch.amp.GradScaler("cuda")
            elif not needs_scaler:
                self._grad_scaler = None

    # -------------------------------------------------------------------- steps
    def train_step(self, data):
        """One optimisation step on a batch ``(x, y, sample_weight)``; returns the logs.

        Override it for custom training (GANs, VAEs...); return a dict of logs. This
        step and an override receive the batch packed as in Keras: ``x``, ``(x, y)`` or
        ``(x, y, sample_weight)`` (``lamina.utils.unpack_x_y_sample_weight`` unpacks it).
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        if mixed_precision.is_mixed():
            with mixed_precision.autocast(self._target_device()):
                y_pred = _float32(self(x, training=True))
        else:
            y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        scaler = getattr(self, "_grad_scaler", None)
        if not loss.requires_grad:
            warnings.warn(NO_TRAINABLE_WEIGHTS.format(model=self.name), stacklevel=2)
        elif scaler is None:
            self.optimizer.zero_grad()
            self.optimizer.scale_loss(loss).backward()
            self._sync_gradients(y_pred)
            self.optimizer.step()
        else:
            self.optimizer.zero_grad()
            scaler.scale(self.optimizer.scale_loss(loss)).backward()
            self._sync_gradients(y_pred)
            self.optimizer.step(grad_scaler=scaler)
        y_pred = detach_output(y_pred)
        self._compiled.loss_tracker.update_state(loss.detach(), sample_weight=_batch_size(y_pred))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def _sync_gradients(self, y_pred):
        """Data parallel: the global-batch gradient on every process (else nothing)."""
        if distribute.running() is not None:
            distribute.sync_gradients(self, _batch_size(y_pred))

    def _idle_train_step(self):
        """Data parallel, a short last batch left this process no sample: add nothing to the
        gradient sum, then apply the same update as the other processes."""
        self.optimizer.zero_grad()
        distribute.sync_gradients(self, 0)
        scaler = getattr(self, "_grad_scaler", None)
        self.optimizer.step(grad_scaler=scaler)
        return self._metric_logs

    def test_step(self, data):
        """One evaluation step on a batch ``(x, y, sample_weight)``; returns the logs.

        Override it for custom evaluation, as ``train_step``.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with mixed_precision.autocast(self._target_device()):
            y_pred = self(x, training=False)
        y_pred = _float32(y_pred)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        self._compiled.loss_tracker.update_state(loss, sample_weight=_batch_size(y_pred))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch (its ``x``), in inference mode. Override for custom prediction."""
        x = data[0] if isinstance(data, tuple) else data
        with mixed_precision.autocast(self._target_device()):
            return _float32(self(x, training=False))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus every loss layers added with ``add_loss`` during the call.

        An output's Keras mask (``y_pred._keras_mask``) weighs out its masked timesteps.
        Weight regularization penalties are added too. Compiled without a loss, the total
        is the added losses alone.
        """
        if self._compiled.loss is None:
            return self._added_losses_only()
        loss = self._compiled.compute_loss(y, y_pred, sample_weight)  # losses apply output masks
        extra = self._pop_layer_losses()
        return loss + sum(extra) if extra else loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None, loss=None):
        """Update the compiled metrics; returns the logs of ``self.metrics``, read lazily.

        Keras's signature; ``train_step``/``test_step`` update the loss tracker themselves
        (``loss``, lamina's extra, updates it here instead). An override may add entries to
        the returned logs: ``logs["name"] = value``.
        """
        if loss is not None:
            self._compiled.loss_tracker.update_state(loss, sample_weight=_batch_size(y_pred))
        self._compiled.update_metrics(y, y_pred, sample_weight)
        return self._metric_logs

    def _pop_layer_losses(self):
        """Losses layers added during the call (then cleared), and weight penalties."""
        collected = []
        for layer in self._loss_sources():
            if layer._losses:
                collected.extend(layer._losses)
                layer._losses.clear()
        regularized = self._regularized_weights()
        if regularized:
            collected.extend(weight_penalties(regularized))
        return collected

    def _drop_layer_losses(self):
        """Forget losses layers added (a custom train_step may not collect them)."""
        for layer in self._loss_sources():
            layer._losses.clear()

    def _added_losses_only(self):
        extra = self._pop_layer_losses()
        if not extra:
            raise NotCompiledError(NO_LOSS.format(model=self.name))
        return sum(extra[1:], extra[0])

    def _regularized_weights(self):
        """Weights with a regularizer; listed once per fit/evaluate call (in ``_prepare``)."""
        entries = self.__dict__.get("_regularized_cache")
        if entries is None:
            entries = regularized_weights(self)
            self.__dict__["_regularized_cache"] = entries
        return entries

    def _loss_sources(self):
        """Every lamina layer in the model; listed once per fit/evaluate call (in ``_prepare``)."""
        layers = self.__dict__.get("_loss_sources_cache")
        if layers is None:
            layers = [m for m in self.modules() if hasattr(m, "_losses")]
            self.__dict__["_loss_sources_cache"] = layers
        return layers

    # ---------------------------------------------------------------------- fit
    @training_mode.loop
    def fit(
        self,
        x: Data = None,
        y: Data = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int | str = "auto",
        callbacks: Sequence[Any] | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        class_weight: Mapping[int, float] | None = None,
        sample_weight: ArrayLike | None = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
        check_finite: bool = True,
    ) -> History:
        """Train for ``epochs`` passes over the data; returns a ``History``.

        ``x`` may be arrays/tensors (or lists/dicts of them), a generator, a
        ``torch.utils.data.Dataset``/``DataLoader`` or a ``PyDataset``.

        ``validation_split`` differs from Keras on purpose: with ``shuffle=True`` the
        validation samples are a seeded random sample (stratified for class labels)
        rather than the last samples; with ``shuffle=False`` they are the last ones.

        ``check_finite`` (lamina's addition): refuse array data holding NaN or inf, naming
        the array and the first bad sample; one pass over the data before training.

        Under data parallel (a script run by ``torchrun``, see ``lamina.distribute``)
        ``batch_size`` is the GLOBAL batch, shared out over the processes.

        Args:
            x: Input data (see above).
            y: Targets for array ``x``; None when ``x`` yields ``(x, y)`` batches.
            batch_size: Samples per step (default 32) for array data.
            epochs: Number of epochs; with ``initial_epoch``, the epoch to stop at (as
                in Keras).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch; ``"auto"`` is 1.
            callbacks: ``lamina.callbacks.Callback`` objects.
            validation_split: Fraction of array data held out for validation.
            validation_data: ``(x_val, y_val)``, ``(x_val, y_val, sample_weight_val)``,
                or any data ``x`` accepts that yields targets.
            shuffle: Shuffle array data at every epoch (a PyDataset's batch order too).
            class_weight: ``{class index: weight}`` multiplying each sample's loss.
            sample_weight: One weight per sample of array data.
            initial_epoch: Epoch to start from (to resume a run).
            steps_per_epoch: Steps per epoch; required for endless generators. Short of a
                pass over the data, each epoch goes on where the last one stopped, as
                in Keras (the pass's last epoch may be shorter), then a new pass starts.
            validation_steps: Steps of each validation run.
            validation_batch_size: Batch size of validation (default ``batch_size``).
            validation_freq: Validate every this many epochs.
            check_finite: Refuse NaN or inf in array data (see above).

        Returns:
            A ``History`` whose ``history`` maps each loss/metric name (``val_`` prefixed
            for validation) to its per-epoch values.

        Raises:
            NotCompiledError: the model was not compiled.
            InputError: unusable data: wrong shapes, labels out of range, NaN/inf,
                missing targets, a bad ``validation_split``.
        """
        self._require_compiled("fit")
        batch_size = check_batch_size(batch_size)
        steps_per_epoch = check_steps(steps_per_epoch, "steps_per_epoch")
        validation_steps = check_steps(validation_steps, "validation_steps")
        _check_epochs(epochs, initial_epoch)
        parallel = distribute.current()
        data = adapt(
            x, y, sample_weight, batch_size, bool(shuffle), self._integer_inputs(), check_finite=check_finite
        )
        arrays = isinstance(data, ArrayData)
        custom = custom_steps.overrides(self, "train_step")
        # A custom train_step or compute_loss may leave the losses layers added uncollected.
        drop_losses = custom or custom_steps.overrides(self, "compute_loss")
        if arrays and data.y is None and not custom and self._compiled.loss is not None:
            raise InputError(
                "fit needs targets: pass y (the labels or values to learn). A model whose "
                "losses all come from add_loss is compiled without a loss: compile(optimizer=...)."
            )
        if not arrays and not drop_losses and self._compiled.loss is not None:
            data.require_targets("fit")
        validation = None
        if validation_data is not None:
            validation = self._validation_from(validation_data, validation_batch_size or batch_size)
        elif validation_split:
            if not arrays:
                raise InputError(
                    "validation_split needs array data; with a generator, Dataset or PyDataset "
                    "pass validation_data instead."
                )
            train_idx, val_idx = split_indices(
                data.size, validation_split, class_labels(data.y), shuffle=bool(shuffle)
            )
            train_idx, val_idx = distribute.broadcast_tensor(train_idx), distribute.broadcast_tensor(val_idx)
            data, validation = data.take(train_idx), data.take(val_idx)
        if class_weight is not None and arrays:
            data = data.with_sample_weight(combine_weights(data.sample_weight, class_weights_for(data.y, class_weight)))
        device = self._target_device()
        data = data.to(device)
        validation = validation.to(device) if validation is not None else None
        self._prepare(data, training=True)
        if validation is not None:
            try:
                self._prepare(validation, training=False)
            except InputError as error:
                raise InputError(f"validation data: {error}") from error
        constrained = constrained_weights(self)
        if parallel is not None:
            data_parallel.start_fit(self, parallel, data, batch_size, custom, arrays)
        run = FitRun(
            data, batch_size, epochs, initial_epoch, steps_per_epoch, bool(shuffle),
            class_weight if not arrays else None, data_parallel.shard(parallel),
        )
        verbose = 1 if verbose == "auto" else verbose
        self.history = History()
        callback_list = self._callbacks(
            callbacks, verbose, epochs=epochs, steps=steps_per_epoch or data.num_batches(batch_size),
            history=self.history, fit_run=run,
        )
        self.stop_training = False
        callback_list.on_train_begin()  # BackupAndRestore may restore the run here
        epoch_logs = {}
        for epoch in run.epochs():
            if not run.resumes_mid_epoch:  # a restored epoch keeps its restored metrics
                self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            logs = self._metric_logs if run.resumes_mid_epoch else None
            nn.Module.train(self, True)
            for step, batch in run.batches():
                callback_list.on_train_batch_begin(step)
                logs = self._fit_step(batch, custom, parallel)
                if drop_losses:
                    self._drop_layer_losses()
                if constrained:
                    apply_constraints(constrained)
                run.batch_done(step)
                callback_list.on_train_batch_end(step, logs)
                if self.stop_training and parallel is None:
                    break  # Data parallel: the processes agree to stop at the epoch's end.
            run.epoch_done()
            nn.Module.train(self, False)
            epoch_logs = self._read_logs(logs, parallel)
            if validation is not None and _validate_now(epoch, validation_freq):
                val_logs = self._run_evaluation(
                    validation, check_batch_size(validation_batch_size, batch_size), callback_list,
                    in_fit=True, steps=validation_steps,
                )
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            if parallel is not None:
                self.stop_training = distribute.any_process(self.stop_training)
            if self.stop_training:
                break
        if self.optimizer.built and hasattr(self.optimizer, "finalize_variable_values"):
            self.optimizer.finalize_variable_values(self.trainable_weights)  # type: ignore[attr-defined]  # EMA, as Keras
        callback_list.on_train_end(epoch_logs)
        return self.history

    def _fit_step(self, batch, custom, parallel):
        if parallel is not None and data_parallel.is_empty(batch):
            return self._idle_train_step()
        syncs = parallel.gradient_syncs if parallel is not None else 0
        logs = self._run_step("train_step", batch)
        if custom:
            custom_steps.check_step_logs(logs, self.name, "train_step")
            if parallel is not None:
                data_parallel.check_custom_step_synced(parallel, syncs, self.name)
        return logs

    def _read_logs(self, logs, parallel):
        """The logs as floats; under data parallel, global (the same on every process)."""
        if parallel is None:
            return _as_floats(logs, self.name)
        return data_parallel.read_logs(self, logs, lambda values: _as_floats(values, self.name))

    def _validation_from(self, validation_data, batch_size):
        try:
            return self._adapt_validation(validation_data, batch_size)
        except InputError as error:
            raise InputError(f"validation_data: {error}") from error

    def _adapt_validation(self, validation_data, batch_size):
        if isinstance(validation_data, (tuple, list)):
            if len(validation_data) not in (2, 3):
                raise InputError(
                    "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight_val). "
                    f"Received a {type(validation_data).__name__} of length {len(validation_data)}."
                )
            return adapt(*validation_data, batch_size=batch_size, integer_inputs=self._integer_inputs())
        return adapt(validation_data, batch_size=batch_size, integer_inputs=self._integer_inputs())

    def _callbacks(self, callbacks, verbose, epochs, steps, history=None, in_fit=True, fit_run=None):
        # History records what the user's callbacks add to the logs (learning_rate...);
        # callbacks with callback_order = "last" (backups, the progress bar) run after both.
        listed = list(callbacks or []) + ([history] if history else []) + ([ProgbarLogger(verbose)] if verbose else [])
        params = {"epochs": epochs, "steps": steps, "verbose": verbose, "in_fit": in_fit}
        return CallbackList(listed, self, params, fit_run=fit_run)

    # ----------------------------------------------------------------- evaluate
    @training_mode.loop
    @weights_settled()
    def evaluate(
        self,
        x: Data = None,
        y: Data = None,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        sample_weight: ArrayLike | None = None,
        steps: int | None = None,
        callbacks: Sequence[Any] | None = None,
        return_dict: bool = False,
        check_finite: bool = True,
    ) -> Results:
        """Loss and metrics on the data, in inference mode.

        Args:
            x: Input data, in any form ``fit`` accepts.
            y: Targets for array ``x``.
            batch_size: Samples per step (default 32) for array data.
            verbose: 0 silent, 1 progress bar; ``"auto"`` is 1.
            sample_weight: One weight per sample of array data.
            steps: Evaluate only this many batches.
            callbacks: ``lamina.callbacks.Callback`` objects.
            return_dict: Return ``{name: value}`` instead of a list.
            check_finite: Refuse NaN or inf in array data.

        Returns:
            The loss (a float) when there are no metrics, else ``[loss, *metrics]``,
            or a dict with ``return_dict=True``.

        Raises:
            NotCompiledError: the model was not compiled.
            InputError: unusable data (wrong shapes, labels out of range, NaN/inf).
        """
        self._require_compiled("evaluate")
        batch_size = check_batch_size(batch_size)
        steps = check_steps(steps, "steps")
        distribute.current()  # under torchrun, starts the process group
        data = self._data(x, y, sample_weight, batch_size, check_finite=check_finite)
        if (
            isinstance(data, ArrayData)
            and data.y is None
            and not custom_steps.overrides(self, "test_step")
            and self._compiled.loss is not None
        ):
            raise InputError("evaluate needs targets: pass y (or compile without a loss when add_loss gives them).")
        if not isinstance(data, ArrayData) and self._compiled.loss is not None and not (
            custom_steps.overrides(self, "test_step") or custom_steps.overrides(self, "compute_loss")
        ):
            data.require_targets("evaluate")
        self._prepare(data, training=False)
        verbose = 1 if verbose == "auto" else verbose
        callback_list = self._callbacks(
            callbacks, verbose, epochs=1, steps=steps or data.num_batches(batch_size), in_fit=False
        )
        logs = self._run_evaluation(data, batch_size, callback_list, in_fit=False, steps=steps)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _run_evaluation(self, data, batch_size, callback_list, in_fit, steps=None):
        custom = custom_steps.overrides(self, "test_step")
        parallel = distribute.current()
        sharded = parallel is not None and isinstance(data, ArrayData)
        if sharded:
            data_parallel.check_shares(parallel, data, batch_size, custom, "evaluate", "test_step")
            batches = data.batches(batch_size, steps=steps, shard=data_parallel.shard(parallel))
        else:
            batches = data.batches(batch_size, steps=steps)
        self.reset_metrics()
        callback_list.on_test_begin()
        logs = None
        mode = self.training
        nn.Module.train(self, False)
        with torch.no_grad():
            for step, batch in enumerate(batches):
                callback_list.on_test_batch_begin(step)
                if not (sharded and data_parallel.is_empty(batch)):
                    logs = self._run_step("test_step", batch)
                callback_list.on_test_batch_end(step, logs)
        nn.Module.train(self, mode)
        result = self._read_logs(logs, parallel)
        callback_list.on_test_end(result)
        return result

    # ------------------------------------------------------------------ predict
    @training_mode.loop
    @weights_settled()
    def predict(
        self,
        x: Data,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        steps: int | None = None,
        callbacks: Sequence[Any] | None = None,
    ) -> Predictions:
        """Outputs for ``x`` as NumPy arrays, computed in batches in inference mode.

        Args:
            x: Input data, in any form ``fit`` accepts (targets, if any, are ignored).
            batch_size: Samples per step (default 32) for array data.
            verbose: 0 silent, 1 progress bar; ``"auto"`` is 1.
            steps: Predict only this many batches.
            callbacks: ``lamina.callbacks.Callback`` objects.

        Returns:
            One NumPy array for a single-output model; a list or dict of arrays, in the
            structure of the outputs, otherwise.
        """
        batch_size = check_batch_size(batch_size)
        steps = check_steps(steps, "steps")
        data = self._data(x, batch_size=batch_size)
        self._prepare(data, training=False)
        verbose = 1 if verbose == "auto" else verbose
        callback_list = self._callbacks(callbacks, verbose, epochs=1, steps=steps or data.num_batches(batch_size))
        callback_list.on_predict_begin()
        outputs = []
        mode = self.training
        nn.Module.train(self, False)
        with torch.no_grad():
            for step, batch in enumerate(data.batches(batch_size, steps=steps)):
                callback_list.on_predict_batch_begin(step)
                outputs.append(self._run_step("predict_step", batch))
                callback_list.on_predict_batch_end(step, {"outputs": outputs[-1]})
        nn.Module.train(self, mode)
        callback_list.on_predict_end()
        return _concatenate(outputs)

    # ------------------------------------------------------------ *_on_batch
    @training_mode.loop
    def train_on_batch(
        self,
        x: Data,
        y: Data = None,
        sample_weight: ArrayLike | None = None,
        class_weight: Mapping[int, float] | None = None,
        return_dict: bool = False,
    ) -> Results:
        """One training step on one batch; returns that batch's loss/metrics (the metrics
        restart at every call, as Keras's)."""
        self._require_compiled("train_on_batch")
        data = self._data(x, y, sample_weight)
        if class_weight is not None:
            data = data.with_sample_weight(combine_weights(data.sample_weight, class_weights_for(data.y, class_weight)))
        self._prepare(data, training=True)
        self.reset_metrics()
        nn.Module.train(self, True)
        try:
            logs = self._single_train_step((data.x, data.y, data.sample_weight))
        finally:
            nn.Module.train(self, False)
        return _logs_result(_as_floats(logs, self.name), return_dict)

    def _run_step(self, name, batch):
        """``self.<name>`` (``train_step``...) on a ``(x, y, sample_weight)`` batch, packed as
        Keras packs it (the built-in steps and overrides alike), compiled under ``jit_compile``."""
        return jit.step(self, name)(custom_steps.keras_pack(batch))

    def _single_train_step(self, batch):
        """``train_step`` on one ``(x, y, sample_weight)`` batch, then the weight constraints."""
        custom = custom_steps.overrides(self, "train_step")
        logs = self._run_step("train_step", batch)
        if custom:
            custom_steps.check_step_logs(logs, self.name, "train_step")
        if custom or custom_steps.overrides(self, "compute_loss"):
            self._drop_layer_losses()
        constrained = constrained_weights(self)
        if constrained:
            apply_constraints(constrained)
        return logs

    @training_mode.loop
    @weights_settled()
    def test_on_batch(
        self, x: Data, y: Data = None, sample_weight: ArrayLike | None = None, return_dict: bool = False
    ) -> Results:
        """Loss and metrics on one batch (the metrics restart at every call), in inference mode.

        Returns:
            The loss (a float) when there are no metrics, else ``[loss, *metrics]``, or a dict
            with ``return_dict=True``.
        """
        self._require_compiled("test_on_batch")
        data = self._data(x, y, sample_weight)
        self._prepare(data, training=False)
        self.reset_metrics()
        with torch.no_grad():
            logs = self._run_step("test_step", (data.x, data.y, data.sample_weight))
        return _logs_result(_as_floats(logs, self.name), return_dict)

    @training_mode.loop
    @weights_settled()
    def predict_on_batch(self, x: Data) -> Predictions:
        """The model's outputs for one batch ``x``, as NumPy arrays."""
        data = self._data(x)
        self._prepare(data, training=False)
        with torch.no_grad():
            return _concatenate([jit.step(self, "predict_step")((data.x,))])


def _float32(outputs):
    """Model outputs in float32 for losses and metrics (they may be half under autocast)."""
    if isinstance(outputs, torch.Tensor):
        return keep_mask(outputs.float(), outputs) if outputs.dtype in (torch.float16, torch.bfloat16) else outputs
    if isinstance(outputs, (list, tuple)):
        return type(outputs)(_float32(o) for o in outputs)
    if isinstance(outputs, dict):
        return {k: _float32(v) for k, v in outputs.items()}
    return outputs


def _validate_now(epoch, validation_freq):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


def _batch_size(y_pred):
    return flatten(y_pred)[0].shape[0]


def _as_floats(logs, model_name):
    if logs is None:
        return {}
    if not hasattr(logs, "items"):
        raise TypeError(
            f"Model '{model_name}': train_step/test_step must return a dict of logs "
            f"(name -> value), e.g. {{'loss': loss}}. Received: {type(logs).__name__}."
        )
    return {key: float(value) for key, value in logs.items()}


def _logs_result(logs, return_dict):
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _concatenate(outputs):
    first = outputs[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(outputs).cpu().numpy()
    if isinstance(first, dict):
        return {k: torch.cat([o[k] for o in outputs]).cpu().numpy() for k in first}
    return [torch.cat(parts).cpu().numpy() for parts in zip(*outputs)]


def _check_epochs(epochs, initial_epoch):
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise InputError(f"epochs must be a non-negative integer. Received: epochs={epochs!r}.")
    if not isinstance(initial_epoch, (int, np.integer)) or initial_epoch < 0:
        raise InputError(f"initial_epoch must be a non-negative integer. Received: initial_epoch={initial_epoch!r}.")
