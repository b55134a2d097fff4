"""AdditiveAttention: Bahdanau-style attention, ``sum(scale * tanh(query + key))``."""

import torch

from lamina.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention layer (Keras's ``AdditiveAttention``), a.k.a. Bahdanau attention.

    ``scores[i, j] = sum(scale * tanh(query[i] + key[j]))`` with a learned ``scale``
    vector of size ``dim`` (glorot_uniform) when ``use_scale`` (default True); then
    ``softmax(scores) @ value``. Call arguments and masks as ``Attention``.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.concat_score_weight = None
        if self.use_scale:
            self.add_weight(shape=(input_shape[0][-1],), initializer="glorot_uniform", name="scale")
        else:
            self.scale = None

    def _calculate_scores(self, query, key):
        summed = torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))
        if self.scale is not None:
            summed = self.scale * summed
        return summed.sum(dim=-1)

    def _uses_fused_kernel(self, return_attention_scores):
        return False

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
