"""``keras.dtype_policies``: dtype policy objects and their get/serialize/deserialize.

``DTypePolicy`` is ``lamina.mixed_precision.DTypePolicy`` ("float32", "mixed_bfloat16",
"mixed_float16"); ``FloatDTypePolicy`` is its subclass, as in Keras. ``serialize`` gives
Keras's dict (``{"module": "keras", "class_name": "DTypePolicy", "config": {...}}``) and
``deserialize``/``get`` read it back, as well as a policy name or a policy object.
"""

from lamina.dtype_policies.float_dtype_policy import FloatDTypePolicy
from lamina.dtype_policies.lookup import deserialize, get, serialize
from lamina.mixed_precision import DTypePolicy

__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]
