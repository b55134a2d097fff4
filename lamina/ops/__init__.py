"""Keras 3's ``keras.ops`` on torch: eager on tensors, operation nodes on symbolic tensors."""

from lamina.ops.reductions import mean

__all__ = ["mean"]
