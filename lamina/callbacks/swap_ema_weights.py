"""``SwapEMAWeights``: evaluate and predict with the optimizer's moving-average weights."""

import torch

from lamina.callbacks.callback import Callback
from lamina.errors import ConfigurationError


class SwapEMAWeights(Callback):
    """Swap the model's weights with the optimizer's moving averages (``use_ema=True``)
    while evaluating or predicting, and back afterwards.

    With ``swap_on_epoch=True`` the averages are also in the model from each epoch's end
    to the next epoch's start, so callbacks after this one (``ModelCheckpoint``...) see
    them. Keras 3.15 leaves the averages in the model after ``predict``; lamina swaps
    them back, as it does after ``evaluate``.

    Args:
        swap_on_epoch: Also swap at each epoch's end (and back at the next one's start).
            Defaults to ``False``.

    Example:
        ```python
        model.compile(optimizer=lamina.optimizers.Adam(use_ema=True), loss="mse")
        model.fit(x, y, validation_data=(xv, yv), callbacks=[SwapEMAWeights()])
        ```
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_optimizers(self):
        optimizer = getattr(self.model.optimizer, "inner_optimizer", self.model.optimizer)
        inner = getattr(optimizer, "optimizers", None)
        candidates = [o for o in inner if getattr(o, "use_ema", False)] if inner else [optimizer]
        for candidate in candidates:
            if not getattr(candidate, "use_ema", False):
                raise ConfigurationError(
                    "SwapEMAWeights needs an optimizer with moving averages. Received: "
                    f"use_ema={getattr(candidate, 'use_ema', None)}. Compile with e.g. "
                    "lamina.optimizers.Adam(use_ema=True)."
                )
        if not candidates:
            raise ConfigurationError(
                "SwapEMAWeights needs at least one inner optimizer with use_ema=True. "
                "Received: none of them has it."
            )
        return [o for o in candidates if getattr(o, "_model_variables_moving_average", None)]

    @torch.no_grad()
    def _swap(self):
        for optimizer in self._ema_optimizers():
            for weight, average in zip(optimizer._trainable_variables, optimizer._model_variables_moving_average):
                held = weight.detach().clone()
                weight.copy_(average)
                average.copy_(held)

    @torch.no_grad()
    def _averages_from_model(self):
        for optimizer in self._ema_optimizers():
            for weight, average in zip(optimizer._trainable_variables, optimizer._model_variables_moving_average):
                average.copy_(weight)

    def on_epoch_begin(self, epoch, logs=None):
        """Put the trained weights back before training on."""
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        """With ``swap_on_epoch``, put the averages in the model."""
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True
            if epoch == (self.params or {}).get("epochs", 0) - 1:
                # fit ends by copying the averages into the model: they must hold them
                self._averages_from_model()

    def on_test_begin(self, logs=None):
        """Evaluate with the averages."""
        if not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        """Put the trained weights back after evaluating."""
        if self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs=None):
        """Predict with the averages."""
        self.on_test_begin(logs)

    def on_predict_end(self, logs=None):
        """Put the trained weights back after predicting."""
        self.on_test_end(logs)
