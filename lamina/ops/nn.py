"""Keras 3's ``keras.ops.nn`` functions on torch."""

from lamina.ops.nn_activations import (
    celu,
    elu,
    gelu,
    glu,
    hard_shrink,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_shrink,
    softmax,
    softplus,
    softsign,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    swish,
    tanh_shrink,
    threshold,
)
from lamina.ops.nn_attention import dot_product_attention
from lamina.ops.nn_blocks import depth_to_space, fold, space_to_depth, unfold
from lamina.ops.nn_conv import conv, conv_transpose, depthwise_conv, separable_conv
from lamina.ops.nn_encoding import multi_hot, one_hot
from lamina.ops.nn_losses import (
    binary_crossentropy,
    categorical_crossentropy,
    ctc_decode,
    ctc_loss,
    psnr,
    sparse_categorical_crossentropy,
)
from lamina.ops.nn_normalization import (
    batch_normalization,
    layer_normalization,
    moments,
    normalize,
    polar,
    rms_normalization,
)
from lamina.ops.nn_pooling import adaptive_average_pool, adaptive_max_pool, average_pool, max_pool

__all__ = [
    "adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization", "binary_crossentropy",
    "categorical_crossentropy", "celu", "conv", "conv_transpose", "ctc_decode", "ctc_loss", "depth_to_space",
    "depthwise_conv", "dot_product_attention", "elu", "fold", "gelu", "glu", "hard_shrink", "hard_sigmoid",
    "hard_silu", "hard_swish", "hard_tanh", "layer_normalization", "leaky_relu", "log_sigmoid", "log_softmax",
    "max_pool", "moments", "multi_hot", "normalize", "one_hot", "polar", "psnr", "relu", "relu6",
    "rms_normalization", "selu", "separable_conv", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
    "softsign", "space_to_depth", "sparse_categorical_crossentropy", "sparse_plus", "sparse_sigmoid", "sparsemax",
    "squareplus", "swish", "tanh_shrink", "threshold", "unfold",
]
