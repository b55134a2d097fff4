"""ContrastLimitedAdaptiveHistogramEqualization (CLAHE): tile-wise equalization."""

import numbers

import torch

from lamina.errors import ConfigurationError
from lamina.layers.preprocessing._augment import AugmentationLayer, parse_value_range, rescale


def _symmetric_index(size, padded, device):
    """Row (or column) indices of a symmetric pad (``d c b a | a b c d | d c b a``)."""
    index = torch.arange(padded, device=device)
    return torch.where(index < size, index, (2 * size - 1 - index).clamp(min=0))


class ContrastLimitedAdaptiveHistogramEqualization(AugmentationLayer):
    """Equalize each channel within ``tile_grid_size`` tiles, with histograms clipped at
    ``clip_limit`` times the mean bin count (truncated to a whole count, as Keras's), and blend neighbouring tiles' mappings
    bilinearly (Keras's algorithm, on the [0, 255] scale with 256 bins).

    Applied in training and inference, as Keras's.

    Args:
        value_range: (min, max) of the pixel values.
        clip_limit: the histogram clip, relative to a flat histogram (default 4.0; 0 or
            less: no clipping).
        tile_grid_size: (rows, columns) of tiles (default (8, 8)); images are padded
            symmetrically to a multiple of it (as numpy's "symmetric" pad; Keras on torch
            repeats the edge instead, which differs from two padded rows or columns on).
        data_format: "channels_last" (default) or "channels_first".
    """

    random = False
    always = True

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = parse_value_range(value_range, self._where, sort=False)
        if isinstance(clip_limit, bool) or not isinstance(clip_limit, numbers.Real):
            raise ConfigurationError(f"{self._where}: clip_limit must be a number. Received: clip_limit={clip_limit!r}.")
        self.clip_limit = clip_limit
        grid = tile_grid_size
        if not (isinstance(grid, (tuple, list)) and len(grid) == 2
                and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0 for v in grid)):
            raise ConfigurationError(
                f"{self._where}: tile_grid_size must be a pair of positive ints (rows, columns). "
                f"Received: tile_grid_size={tile_grid_size!r}."
            )
        self.tile_grid_size = tile_grid_size

    def _augment(self, batch):
        dtype = batch.dtype
        values = rescale(batch.float(), self.value_range, (0, 255))
        n, channels, height, width = values.shape
        grid_h, grid_w = (int(v) for v in self.tile_grid_size)
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        padded_h, padded_w = tile_h * grid_h, tile_w * grid_w
        device = values.device
        padded = values[:, :, _symmetric_index(height, padded_h, device)]
        padded = padded[:, :, :, _symmetric_index(width, padded_w, device)]
        pixels = padded.to(torch.int64).clamp(0, 255)

        # One 256-bin histogram per (image, channel, tile row, tile column).
        tiles = pixels.view(n, channels, grid_h, tile_h, grid_w, tile_w).permute(0, 1, 2, 4, 3, 5)
        tiles = tiles.reshape(-1, tile_h * tile_w)
        offsets = torch.arange(tiles.shape[0], device=device).view(-1, 1) * 256
        hists = torch.bincount((tiles + offsets).flatten(), minlength=tiles.shape[0] * 256)
        hists = hists.view(n, channels, grid_h, grid_w, 256).float()
        area = tile_h * tile_w
        if self.clip_limit > 0:
            # Keras counts in integers, so the limit is truncated to a whole count.
            clipped = hists.clamp(0, int(self.clip_limit * area / 256.0))
            hists = clipped + (hists - clipped).sum(-1, keepdim=True) / 256.0
        cdf = hists.cumsum(-1)
        cdf_min = cdf.amin(-1, keepdim=True)
        denominator = area - cdf_min
        denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
        mapping = ((cdf - cdf_min) * 255.0 / denominator).clamp(0, 255)
        # Edge-pad the tile grid by one tile on every side, then blend the four neighbours.
        mapping = torch.cat([mapping[:, :, :1], mapping, mapping[:, :, -1:]], dim=2)
        mapping = torch.cat([mapping[:, :, :, :1], mapping, mapping[:, :, :, -1:]], dim=3)

        def axis(size, tile, count):
            position = (torch.arange(size, dtype=torch.float32, device=device) - tile / 2.0) / tile + 1.0
            low = torch.floor(position)
            weight = position - low
            return low.clamp(0, count + 1).long(), (low + 1).clamp(0, count + 1).long(), weight

        y0, y1, wy = axis(padded_h, tile_h, grid_h)
        x0, x1, wx = axis(padded_w, tile_w, grid_w)
        flat = mapping.reshape(n, channels, -1)
        row_stride = (grid_w + 2) * 256

        def take(rows, cols):
            index = rows.view(1, 1, -1, 1) * row_stride + cols.view(1, 1, 1, -1) * 256 + pixels
            return flat.gather(2, index.reshape(n, channels, -1)).view(pixels.shape)

        wy, wx = wy.view(1, 1, -1, 1), wx.view(1, 1, 1, -1)
        top = take(y0, x0) * (1.0 - wx) + take(y0, x1) * wx
        bottom = take(y1, x0) * (1.0 - wx) + take(y1, x1) * wx
        result = (top * (1.0 - wy) + bottom * wy)[:, :, :height, :width]
        return rescale(result, (0, 255), self.value_range).to(dtype)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range, "clip_limit": self.clip_limit,
                "tile_grid_size": self.tile_grid_size}
