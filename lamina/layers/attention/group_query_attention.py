"""GroupedQueryAttention (exported as Keras's ``GroupQueryAttention``): grouped-query attention (several query heads share one
key/value head) on PyTorch's scaled_dot_product_attention."""

import torch
import torch.nn.functional as F

from lamina import constraints, initializers, regularizers
from lamina.errors import ConfigurationError, InputError
from lamina.layers.argument_checks import positive_int
from lamina.layers.attention import masking
from lamina.layers.attention.multi_head_attention import _attention_with_scores, _heads_first
from lamina.layers.attention.projections import HeadProjection, OutputProjection
from lamina.layers.layer import Layer


class GroupedQueryAttention(Layer):
    """Grouped-query attention (Keras's ``GroupQueryAttention``, Ainslie et al., 2023).

    ``query`` (batch, Tq, dim) is projected to ``num_query_heads`` heads, ``key`` and
    ``value`` (batch, Tv, dim_v; ``key`` defaults to ``value``) to ``num_key_value_heads``
    heads, each repeated for its group of ``num_query_heads // num_key_value_heads`` query
    heads. ``num_key_value_heads=1`` is multi-query attention, ``num_key_value_heads ==
    num_query_heads`` multi-head attention. The output has query's shape.

    Args:
        head_dim: size of every head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key/value heads; must divide ``num_query_heads``.
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: whether the projections have biases.
        sliding_window: None (default) or a positive int: query i attends only to keys j
            with ``|i - j| < sliding_window`` (combine with ``use_causal_mask`` for a causal
            window).
        flash_attention: None (default: torch picks its fused kernel) or True (torch's
            flash kernel: CUDA float16/bfloat16 only, without dropout, masks or returned
            scores) or False. Not part of the config, as in Keras.
        kernel_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"``.
        use_gate: multiply the attention output by ``sigmoid(gate(query))`` per head before
            the output projection (gated attention).
        seed: accepted for Keras compatibility (dropout uses torch's generator).

    Call arguments:
        query, value, key: tensors as above.
        attention_mask: bool (batch, Tq, Tv) (or broadcastable), True where attention is
            allowed. Keras masks on the inputs (``Embedding(mask_zero=True)``) are used too.
            As in Keras, a query row whose keys are all masked gets zero probabilities
            (and output) with ``dropout > 0`` or ``return_attention_scores``, and the
            softmax of equal scores otherwise.
        return_attention_scores: also return the (batch, num_query_heads, Tq, Tv)
            probabilities.
        use_causal_mask: position i attends only to positions <= i.

    Weights (Keras layout, ``get_weights`` order): query kernel ``(dim, num_query_heads,
    head_dim)`` and bias ``(num_query_heads, head_dim)``, key, (gate,) value, then the
    output kernel ``(num_query_heads, head_dim, dim)`` and bias ``(dim,)``.
    """

    _config_lists_activity_regularizer = True
    #: Keras's class is GroupedQueryAttention (so its files say ``grouped_query_attention``),
    #: exported and serialized as GroupQueryAttention.
    _keras_class_name = "GroupQueryAttention"

    def __init__(
        self,
        head_dim,
        num_query_heads,
        num_key_value_heads,
        dropout=0.0,
        use_bias=True,
        sliding_window=None,
        flash_attention=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_gate=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        where = f"GroupQueryAttention '{self.name}'"
        self.head_dim = positive_int(head_dim, "head_dim", where)
        self.num_query_heads = positive_int(num_query_heads, "num_query_heads", where)
        self.num_key_value_heads = positive_int(num_key_value_heads, "num_key_value_heads", where)
        if self.num_query_heads % self.num_key_value_heads:
            raise ConfigurationError(
                f"{where}: num_query_heads must be divisible by num_key_value_heads. Received: "
                f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}."
            )
        self.num_repeats = self.num_query_heads // self.num_key_value_heads
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ConfigurationError(f"{where}: dropout must be a number in [0, 1). Received: dropout={dropout!r}.")
        if sliding_window is not None and (
            isinstance(sliding_window, bool) or not isinstance(sliding_window, int) or sliding_window <= 0
        ):
            raise ConfigurationError(
                f"{where}: sliding_window must be None or a positive integer. Received: sliding_window={sliding_window!r}."
            )
        if flash_attention and dropout > 0:
            raise ConfigurationError(
                f"{where}: dropout is not supported with flash attention. Received: dropout={dropout}, "
                "flash_attention=True. Set dropout=0.0 or flash_attention=None."
            )
        self.dropout = dropout
        self.use_bias = bool(use_bias)
        self.sliding_window = sliding_window
        self.flash_attention = flash_attention
        self.use_gate = bool(use_gate)
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
                f"GroupQueryAttention '{self.name}' is called as layer(query, value) or "
                f"layer(query, value, key); it received only one tensor."
            )
        key_shape = value_shape if key_shape is None else key_shape
        for shape in (query_shape, value_shape, key_shape):
            if len(shape) != 3:
                raise InputError(
                    f"GroupQueryAttention '{self.name}' expects inputs of shape (batch, timesteps, features). "
                    f"Received a shape of rank {len(shape)}: {tuple(shape)}."
                )
        options = {
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "kernel_regularizer": self.kernel_regularizer,
            "bias_regularizer": self.bias_regularizer,
            "kernel_constraint": self.kernel_constraint,
            "bias_constraint": self.bias_constraint,
        }
        common = {"use_bias": self.use_bias, "weight_options": options, "dtype": self.dtype}
        self._query_dense = HeadProjection(self.num_query_heads, self.head_dim, name="query", **common)
        self._key_dense = HeadProjection(self.num_key_value_heads, self.head_dim, name="key", **common)
        self._gate_dense = HeadProjection(self.num_query_heads, self.head_dim, name="gate", **common) if self.use_gate else None
        self._value_dense = HeadProjection(self.num_key_value_heads, self.head_dim, name="value", **common)
        self._output_dense = OutputProjection(query_shape[-1], name="attention_output", **common)
        # Keras's weight order: query, key, gate, value, output.
        self._query_dense.build_from_shapes(tuple(query_shape))
        self._key_dense.build_from_shapes(tuple(key_shape))
        if self._gate_dense is not None:
            self._gate_dense.build_from_shapes(tuple(query_shape))
        self._value_dense.build_from_shapes(tuple(value_shape))
        self._output_dense.build_from_shapes((None, None, self.num_query_heads, self.head_dim))

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
        query_mask = getattr(query, "_keras_mask", None) if query_mask is None else query_mask
        value_mask = getattr(value, "_keras_mask", None) if value_mask is None else value_mask
        if key_mask is None and key is not None:
            key_mask = getattr(key, "_keras_mask", None)
        key = value if key is None else key
        if self.flash_attention and return_attention_scores:
            raise ConfigurationError(
                f"GroupQueryAttention '{self.name}': attention scores cannot be returned with "
                "flash_attention=True. Create the layer with flash_attention=None to get them."
            )
        masks = (query_mask, value_mask, key_mask, attention_mask)
        causal_only = use_causal_mask and all(m is None for m in masks) and self.sliding_window is None
        mask = None if causal_only else self._attention_mask(query, key, *masks, use_causal_mask)
        q = _heads_first(self._query_dense.call(query))
        k = _heads_first(self._key_dense.call(key))
        v = _heads_first(self._value_dense.call(value))
        dropout = self.dropout if training else 0.0
        scores = None
        if self.dropout > 0 or return_attention_scores:
            # Keras's masked-softmax path: masked keys (and rows with no key left) get zero.
            k, v = k.repeat_interleave(self.num_repeats, 1), v.repeat_interleave(self.num_repeats, 1)
            if causal_only:
                mask = masking.causal_mask(q.shape[2], k.shape[2], q.device)[None]
            output, scores = _attention_with_scores(q, k, v, mask, dropout)
        else:
            output = self._fused(q, k, v, mask, causal_only)
        output = output.transpose(1, 2)
        if self._gate_dense is not None:
            output = output * torch.sigmoid(self._gate_dense.call(query))
        output = self._output_dense.call(output)
        return (output, scores) if return_attention_scores else output

    def _fused(self, q, k, v, mask, causal):
        """torch's scaled_dot_product_attention; key/value heads shared by their query group."""
        bias = masking.additive(None if mask is None else mask[:, None], q.dtype)
        kwargs = {"attn_mask": bias, "is_causal": causal, "enable_gqa": self.num_repeats > 1}
        if not self.flash_attention:
            return F.scaled_dot_product_attention(q, k, v, **kwargs)
        if not (q.is_cuda and q.dtype in (torch.float16, torch.bfloat16)):
            raise ConfigurationError(
                f"GroupQueryAttention '{self.name}': flash_attention=True needs CUDA float16/bfloat16 "
                f"inputs. Received: device={q.device}, dtype={q.dtype}. Use flash_attention=None."
            )
        from torch.nn.attention import SDPBackend, sdpa_kernel

        with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
            return F.scaled_dot_product_attention(q, k, v, **kwargs)

    def _attention_mask(self, query, key, query_mask, value_mask, key_mask, attention_mask, use_causal_mask):
        """Every mask merged into one bool (batch or 1, Tq, Tk) mask, or None."""
        batch, tq, tk = query.shape[0], query.shape[1], key.shape[1]
        parts = []
        for name, mask, axis, steps in (
            ("query", query_mask, -1, tq),
            ("value", value_mask, -2, tk),
            ("key", key_mask, -2, tk),
        ):
            if mask is None:
                continue
            if tuple(mask.shape) != (batch, steps):
                raise InputError(
                    f"GroupQueryAttention '{self.name}': the {name} mask must have shape {(batch, steps)} "
                    f"(batch, timesteps). Received: {tuple(mask.shape)}."
                )
            parts.append(mask.unsqueeze(axis))
        if use_causal_mask:
            parts.append(masking.causal_mask(tq, tk, query.device))
        if self.sliding_window is not None:
            rows = torch.arange(tq, device=query.device)[:, None]
            cols = torch.arange(tk, device=query.device)[None, :]
            parts.append((rows - cols).abs() < self.sliding_window)
        if attention_mask is not None:
            attention_mask = torch.as_tensor(attention_mask, device=query.device)
            try:
                if attention_mask.dim() > 3:
                    raise RuntimeError
                torch.broadcast_shapes(tuple(attention_mask.shape), (batch, tq, tk))
            except RuntimeError:
                raise InputError(
                    f"GroupQueryAttention '{self.name}': attention_mask must broadcast to (batch, Tq, Tv) = "
                    f"{(batch, tq, tk)}. Received: shape {tuple(attention_mask.shape)}."
                ) from None
            parts.append(attention_mask)
        mask = masking.combine(*parts)
        if mask is None:
            return None
        return mask.reshape((1,) * (3 - mask.dim()) + tuple(mask.shape))

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None, return_attention_scores=False):
        if not return_attention_scores:
            return tuple(query_shape)
        key_shape = key_shape or value_shape or query_shape
        return tuple(query_shape), (query_shape[0], self.num_query_heads, query_shape[1], key_shape[1])

    def get_config(self):
        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }

