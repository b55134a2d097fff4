"""RandomFlip: mirror images left-right and/or upside down, in training."""

import torch

from lamina.layers.preprocessing import _image
from lamina.layers.preprocessing.base_image_layer import BaseImageLayer

_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(BaseImageLayer):
    """In training, flip each image with probability 1/2.

    Args:
        mode: "horizontal" (left-right), "vertical" (upside down) or
            "horizontal_and_vertical" (default). As in Keras 3, the last flips an image
            both ways or not at all (one coin per image).
        seed: int for a reproducible private random stream.
        data_format: "channels_last" (default) or "channels_first".

    Inference returns the images unchanged (cast to float).
    """

    random = True

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.mode = _image.check_choice(mode, _MODES, "mode", self._where)

    def call(self, inputs, training=None):
        batch, single = self._as_batch(inputs)
        if not training:
            return self._restore(batch, single)
        flips = self._seed.uniform((batch.shape[0], 1, 1, 1), batch) <= 0.5
        dims = {"horizontal": [3], "vertical": [2], "horizontal_and_vertical": [2, 3]}[self.mode]
        flipped = torch.where(flips, batch.flip(dims), batch)
        return self._restore(flipped, single)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
