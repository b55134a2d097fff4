"""MultiHeadAttention: Keras's multi-head attention on PyTorch's scaled_dot_product_attention."""

import math

import torch
import torch.nn.functional as F

from lamina import constraints, initializers, regularizers
from lamina.errors import ConfigurationError, InputError
from lamina.layers.argument_checks import positive_int
from lamina.layers.attention import masking
from lamina.layers.attention.projections import HeadProjection, OutputProjection
from lamina.layers.layer import Layer


class MultiHeadAttention(Layer):
    """Multi-head attention (Keras's ``MultiHeadAttention``).

    ``query`` (batch, Tq, dim), ``value`` (batch, Tv, dim_v) and ``key`` (default
    ``value``) are projected to ``num_heads`` heads, attend with scaled dot products
    (``torch.nn.functional.scaled_dot_product_attention`` unless the scores are
    returned), and are projected back to ``output_shape`` (default: query's last axis).
    Inputs of higher rank attend over all axes between batch and features jointly.

    Args:
        num_heads: number of heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default ``key_dim``).
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: whether the projections have biases.
        output_shape: size of the output's last axis (an int or a 1-tuple).
        attention_axes: only the default (None: every axis between batch and
            features) is supported.
        kernel_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"``.

    Call arguments:
        query, value, key: tensors as above.
        attention_mask: bool (batch, Tq, Tv), True where attention is allowed. Keras masks
            on the inputs (``Embedding(mask_zero=True)``) are used as well. A query row
            whose keys are all masked attends as in Keras: zero probabilities (and a
            zero attention output) with ``dropout > 0``, ``return_attention_scores`` or
            rank > 3 inputs, the softmax of equal scores otherwise.
        return_attention_scores: also return the (batch, heads, Tq, Tv) probabilities.
        use_causal_mask: position i attends only to positions <= i.

    Weights (Keras layout, ``get_weights`` order): query/key/value kernels ``(dim, heads,
    key_dim or value_dim)`` and biases ``(heads, key_dim or value_dim)``, output kernel
    ``(heads, value_dim, output_dim)`` and bias ``(output_dim,)``.
    """

    _config_lists_activity_regularizer = True

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        attention_axes=None,
        flash_attention=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        where = f"MultiHeadAttention '{self.name}'"
        num_heads, key_dim = positive_int(num_heads, "num_heads", where), positive_int(key_dim, "key_dim", where)
        value_dim = None if value_dim is None else positive_int(value_dim, "value_dim", where)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ConfigurationError(
                f"MultiHeadAttention '{self.name}': dropout must be a number in [0, 1). Received: dropout={dropout!r}."
            )
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim or key_dim
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self._output_shape = _standardize_output_shape(self.name, output_shape)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        self.attention_axes = None if attention_axes is None else tuple(attention_axes)
        self.flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self.supports_masking = True

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:
            raise InputError(
                f"MultiHeadAttention '{self.name}' is called as layer(query, value) or "
                f"layer(query, value, key); it received only one tensor."
            )
        key_shape = value_shape if key_shape is None else key_shape
        self._check_axes(len(query_shape))
        options = {
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "kernel_regularizer": self.kernel_regularizer,
            "bias_regularizer": self.bias_regularizer,
            "kernel_constraint": self.kernel_constraint,
            "bias_constraint": self.bias_constraint,
        }
        common = {"use_bias": self.use_bias, "weight_options": options, "dtype": self.dtype}
        self.query_dense = HeadProjection(self.num_heads, self.key_dim, name="query", **common)
        self.key_dense = HeadProjection(self.num_heads, self.key_dim, name="key", **common)
        self.value_dense = HeadProjection(self.num_heads, self.value_dim, name="value", **common)
        units = self._output_shape[-1] if self._output_shape else query_shape[-1]
        self.output_dense = OutputProjection(units, name="attention_output", **common)
        self.query_dense.build_from_shapes(tuple(query_shape))
        self.key_dense.build_from_shapes(tuple(key_shape))
        self.value_dense.build_from_shapes(tuple(value_shape))
        self.output_dense.build_from_shapes((None, self.num_heads, self.value_dim))

    def _check_axes(self, rank):
        if rank < 3:
            raise InputError(
                f"MultiHeadAttention '{self.name}' expects inputs of shape (batch, timesteps, features); "
                f"received a tensor of rank {rank}. Add a timestep axis, e.g. x[:, None, :]."
            )
        default = tuple(range(1, rank - 1))
        if self.attention_axes is not None:
            axes = tuple(a if a >= 0 else rank - 1 + a for a in self.attention_axes)
            if axes != default:
                raise ConfigurationError(
                    f"MultiHeadAttention '{self.name}': only the default attention_axes {default} "
                    f"(every axis between batch and features) is supported. Received: "
                    f"attention_axes={self.attention_axes}. Move the other axes into the batch first."
                )

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        if key is None:
            key = value
            key_mask = None
        query_mask = getattr(query, "_keras_mask", None) if query_mask is None else query_mask
        value_mask = getattr(value, "_keras_mask", None) if value_mask is None else value_mask
        if key_mask is None and key is not value:
            key_mask = getattr(key, "_keras_mask", None)
        query_spatial, key_spatial = tuple(query.shape[1:-1]), tuple(key.shape[1:-1])
        mask = self._attention_mask(query, key, query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
        q = _heads_first(self.query_dense.call(query))
        k = _heads_first(self.key_dense.call(key))
        v = _heads_first(self.value_dense.call(value))
        dropout = self.dropout if training else 0.0
        # Keras's masked-softmax path (dropout, returned scores, rank > 3 inputs) gives
        # query rows whose keys are all masked zero probabilities; its fused path gives
        # them the plain softmax of equal scores. Both are followed exactly.
        zero_empty_rows = mask is not None and (self.dropout > 0 or return_attention_scores or query.dim() != 3)
        if return_attention_scores:
            output, scores = _attention_with_scores(q, k, v, mask, dropout)
        elif mask is None and use_causal_mask:
            output = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=True)
        else:
            bias = masking.additive(None if mask is None else mask[:, None], q.dtype)
            output = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=dropout)
            if zero_empty_rows:
                output = output.masked_fill(~mask.any(-1)[:, None, :, None], 0.0)
        output = output.transpose(1, 2).unflatten(1, query_spatial)
        output = self.output_dense.call(output)
        if return_attention_scores:
            return output, scores.unflatten(-1, key_spatial).unflatten(2, query_spatial)
        return output

    def _attention_mask(self, query, key, query_mask, value_mask, key_mask, attention_mask, use_causal_mask):
        """Merge every mask into one bool (batch, Tq, Tk) mask, or None."""
        batch = query.shape[0]
        tq, tk = math.prod(query.shape[1:-1]), math.prod(key.shape[1:-1])
        parts = []
        for name, mask, axis in (("query", query_mask, -1), ("value", value_mask, -2), ("key", key_mask, -2)):
            if mask is None:
                continue
            spatial = (query if name == "query" else key).shape[1:-1]
            if tuple(mask.shape) != (batch, *spatial):
                raise InputError(
                    f"MultiHeadAttention '{self.name}': the {name} mask must have shape "
                    f"{(batch, *spatial)} (batch and the timestep axes). Received {tuple(mask.shape)}."
                )
            parts.append(mask.reshape(batch, -1).unsqueeze(axis))
        if use_causal_mask:
            parts.append(masking.causal_mask(tq, tk, query.device))
        if attention_mask is not None:
            attention_mask = torch.as_tensor(attention_mask, device=query.device)
            if attention_mask.dim() > 3:
                attention_mask = attention_mask.reshape(attention_mask.shape[0], tq, tk)
            try:
                torch.broadcast_shapes(tuple(attention_mask.shape), (batch, tq, tk))
            except RuntimeError:
                raise InputError(
                    f"MultiHeadAttention '{self.name}': attention_mask must broadcast to (batch, Tq, Tv) = "
                    f"{(batch, tq, tk)}. Received shape {tuple(attention_mask.shape)}."
                ) from None
            parts.append(attention_mask)
        mask = masking.combine(*parts)
        return None if mask is None else mask.expand(batch, tq, tk)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None, return_attention_scores=False):
        units = self._output_shape[-1] if self._output_shape else query_shape[-1]
        output = tuple(query_shape[:-1]) + (units,)
        if not return_attention_scores:
            return output
        key_shape = key_shape or value_shape or query_shape
        scores = (query_shape[0], self.num_heads, *query_shape[1:-1], *key_shape[1:-1])
        return output, scores

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": None if self._output_shape is None else list(self._output_shape),
            "attention_axes": None if self.attention_axes is None else list(self.attention_axes),
            "flash_attention": self.flash_attention,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }


def _standardize_output_shape(name, output_shape):
    if output_shape is None:
        return None
    shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
    if len(shape) != 1 or isinstance(shape[0], bool) or not isinstance(shape[0], int) or shape[0] < 1:
        raise ConfigurationError(
            f"MultiHeadAttention '{name}': output_shape must be a positive int (the size of the "
            f"output's last axis). Received: output_shape={output_shape!r}."
        )
    return shape


def _heads_first(x):
    """(batch, *steps, heads, dim) -> (batch, heads, steps, dim), steps flattened into one axis."""
    return x.flatten(1, -3).transpose(1, 2)


def _attention_with_scores(q, k, v, mask, dropout):
    scores = torch.matmul(q * (1.0 / math.sqrt(q.shape[-1])), k.transpose(-1, -2))
    if mask is not None:
        scores = scores + masking.additive(mask[:, None], scores.dtype)
    probabilities = torch.softmax(scores, dim=-1)
    if mask is not None:
        # As Keras's masked softmax: masked keys, and so rows with no key left, get zero.
        probabilities = probabilities.masked_fill(~mask[:, None], 0.0)
    dropped = F.dropout(probabilities, dropout, training=True) if dropout else probabilities
    return torch.matmul(dropped, v), probabilities
