"""MaxNumBoundingBoxes: pad or cut bounding boxes to a fixed number per image."""

import numbers

import torch
import torch.nn.functional as F

from lamina.errors import ConfigurationError, InputError
from lamina.layers.preprocessing._augment import AugmentationLayer


class MaxNumBoundingBoxes(AugmentationLayer):
    """Make ``bounding_boxes["boxes"]`` ``(batch, max_number, 4)`` and ``["labels"]``
    ``(batch, max_number)``: extra boxes are dropped, missing ones are ``fill_value``.

    Takes Keras's dict ``{"images": ..., "bounding_boxes": {"boxes": ..., "labels": ...}}``
    (images pass unchanged) and returns a dict; a plain images tensor passes unchanged.
    Applied in training and inference, as Keras's.

    Args:
        max_number: the number of boxes per image.
        fill_value: the value of padding boxes and labels (default -1).
    """

    random = False
    always = True

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(max_number, bool) or not isinstance(max_number, numbers.Real) or int(max_number) < 1:
            raise ConfigurationError(
                f"{self._where}: max_number must be a positive int. Received: max_number={max_number!r}."
            )
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def _augment(self, batch):
        return batch

    def _fit(self, values):
        values = values[:, : self.max_number]
        missing = self.max_number - values.shape[1]
        if missing > 0:
            pad = [0, 0] * (values.dim() - 2) + [0, missing]
            values = F.pad(values, pad, value=self.fill_value)
        return values

    def _call_dict(self, inputs, training):
        boxes = inputs.get("bounding_boxes")
        extra = sorted(set(inputs) - {"images", "bounding_boxes", "labels", "segmentation_masks"})
        if not isinstance(boxes, dict) or "boxes" not in boxes or "labels" not in boxes or extra:
            raise InputError(
                f"{self._where} takes a dict {{'images': ..., 'bounding_boxes': {{'boxes': ..., "
                f"'labels': ...}}}}. Received a dict with keys {sorted(inputs)}."
            )
        out = dict(inputs)
        fitted = dict(boxes)
        fitted["boxes"] = self._fit(torch.as_tensor(boxes["boxes"]))
        fitted["labels"] = self._fit(torch.as_tensor(boxes["labels"]))
        out["bounding_boxes"] = fitted
        return out

    def get_config(self):
        return {**super().get_config(), "max_number": self.max_number, "fill_value": self.fill_value}
