"""``TensorBoard``: write training curves (and optionally weight histograms) for TensorBoard."""

import os
import sys
import time
import types
import warnings

import torch

from lamina.callbacks.callback import Callback
from lamina.errors import ConfigurationError


class TensorBoard(Callback):
    """Log scalars to TensorBoard event files, laid out as Keras 3 does.

    ``log_dir/train`` gets ``epoch_<name>`` for every training log (and
    ``epoch_learning_rate``); ``log_dir/validation`` gets ``epoch_<name>`` for every
    ``val_`` log (without the prefix) plus ``evaluation_<name>_vs_iterations`` at the
    optimizer step. With batch-level ``update_freq``, ``batch_<name>`` values go to
    ``train`` every that many batches. View with ``tensorboard --logdir <log_dir>``.

    Writing uses ``torch.utils.tensorboard.SummaryWriter`` (needs the ``tensorboard``
    package). Epoch-level logging adds no per-batch work; batch-level logging reads the
    logs (one device sync) every ``update_freq`` batches.

    Args:
        log_dir: Directory of the logs. Defaults to ``"logs"``.
        histogram_freq: Every that many epochs, write a histogram of every weight
            (0, the default, for none).
        write_graph: Also write the model's graph (traced with ``torch.jit.trace`` on a
            zero input of the model's input shape; needs a model with a known input
            shape). Defaults to False.
        write_images: Not supported (must be False).
        write_steps_per_second: Also log training steps per second each epoch.
        update_freq: ``"epoch"`` (default), ``"batch"`` or an integer number of batches.
        profile_batch, embeddings_freq, embeddings_metadata: Not supported (must be 0/None).

    Under data parallel only rank 0 writes.
    """

    chief_only = True  # data parallel: only rank 0 writes files

    chief_only = True

    def __init__(
        self,
        log_dir="logs",
        histogram_freq=0,
        write_graph=False,
        write_images=False,
        write_steps_per_second=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
    ):
        super().__init__()
        unsupported = {
            "write_images": write_images,
            "profile_batch": profile_batch,
            "embeddings_freq": embeddings_freq,
            "embeddings_metadata": embeddings_metadata,
        }
        for name, value in unsupported.items():
            if value:
                raise ConfigurationError(
                    f"TensorBoard: {name} is not supported by lamina. Received: {name}={value!r}. "
                    "Leave it at its default; for profiling use torch.profiler."
                )
        if update_freq == "batch":
            update_freq = 1
        valid = update_freq == "epoch" or (
            isinstance(update_freq, int) and not isinstance(update_freq, bool) and update_freq > 0
        )
        if not valid:
            raise ConfigurationError(
                "TensorBoard: update_freq must be 'epoch', 'batch' or a positive integer. "
                f"Received: update_freq={update_freq!r}."
            )
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self._writers = {}
        self._global_train_batch = 0
        self._epoch_start = None
        self._epoch_start_iterations = 0
        if update_freq != "epoch":
            self.on_train_batch_end = self._log_batch  # a batch hook only when needed

    def state_dict(self):
        return {"global_train_batch": self._global_train_batch}

    def load_state_dict(self, state):
        self._global_train_batch = int(state.get("global_train_batch", 0))

    # ---------------------------------------------------------------- writers
    def _writer(self, kind):
        if kind not in self._writers:
            summary_writer = _summary_writer_class()
            folder = os.path.join(self.log_dir, "train" if kind == "train" else "validation")
            self._writers[kind] = summary_writer(log_dir=folder)
        return self._writers[kind]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._writer("train")
        if self.write_graph:
            self._log_graph()

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start = time.perf_counter()
            self._epoch_start_iterations = self._iterations()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train["learning_rate"] = float(optimizer.learning_rate)
        if self.write_steps_per_second and self._epoch_start is not None:
            elapsed = time.perf_counter() - self._epoch_start
            steps = self._iterations() - self._epoch_start_iterations
            train["steps_per_second"] = steps / elapsed if elapsed > 0 else 0.0
        writer = self._writer("train")
        for name, value in train.items():
            writer.add_scalar(f"epoch_{name}", float(value), global_step=epoch)
        if validation:
            val_writer = self._writer("validation")
            for name, value in validation.items():
                val_writer.add_scalar(f"epoch_{name}", float(value), global_step=epoch)
            val_writer.flush()
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_histograms(epoch)
        writer.flush()

    def on_test_end(self, logs=None):
        if not self.params.get("in_fit") or not logs:
            return
        writer = self._writer("validation")
        step = self._iterations()
        for name, value in logs.items():
            writer.add_scalar(f"evaluation_{name}_vs_iterations", float(value), global_step=step)

    def _log_batch(self, batch, logs=None):
        self._global_train_batch += 1
        if logs is None or self._global_train_batch % self.update_freq:
            return
        writer = self._writer("train")
        for name, value in logs.items():
            writer.add_scalar(f"batch_{name}", float(value), global_step=self._global_train_batch)

    # ---------------------------------------------------------------- helpers
    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        return int(getattr(optimizer, "iterations", 0) or 0)

    def _log_histograms(self, epoch):
        writer = self._writer("train")
        for name, parameter in self.model.named_parameters():
            writer.add_histogram(f"{name}/histogram", parameter.detach().cpu(), global_step=epoch)

    def _log_graph(self):
        example = _example_input(self.model)
        if example is None:
            warnings.warn(
                "TensorBoard(write_graph=True): the model's input shape is unknown, so no graph "
                "was written. Give the model an Input (or input_shape=) to log its graph.",
                stacklevel=2,
            )
            return
        mode = self.model.training
        self.model.train(False)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._writer("train").add_graph(self.model, example)
        except Exception as err:  # tracing is best effort; training goes on
            warnings.warn(f"TensorBoard: could not trace the model's graph ({err}).", stacklevel=2)
        finally:
            self.model.train(mode)


def _example_input(model):
    """A zero batch of one sample in the model's input shape, or ``None`` if unknown."""
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) > 1:
        return None
    try:
        shape = tuple(inputs[0].shape) if inputs else tuple(model.input_shape)
    except (AttributeError, TypeError, ValueError):
        return None
    if not shape or any(not isinstance(size, int) for size in shape[1:]):
        return None
    dtype = getattr(inputs[0], "dtype", None) if inputs else None
    if not isinstance(dtype, torch.dtype):
        dtype = torch.float32
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else "cpu"
    return torch.zeros((1, *shape[1:]), dtype=dtype, device=device)


def _summary_writer_class():
    if "tensorflow" not in sys.modules:
        # tensorboard's file writer needs only its TensorFlow stub; without this marker
        # module (TensorBoard's own "no_tensorflow" switch) an installed TensorFlow is
        # imported: ~10 s and hundreds of MB for nothing. A process that already imported
        # TensorFlow keeps using it.
        sys.modules.setdefault(
            "tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf")
        )
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as err:
        raise ConfigurationError(
            f"The TensorBoard callback needs the `tensorboard` package: pip install 'lamina[tensorboard]' "
            f"(or pip install tensorboard). ({err})"
        ) from None
    return SummaryWriter
