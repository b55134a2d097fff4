"""``FloatDTypePolicy``: Keras's name for a policy of floating-point dtypes."""

from lamina.mixed_precision import DTypePolicy


class FloatDTypePolicy(DTypePolicy):
    """A ``DTypePolicy`` of floating-point dtypes (Keras's ``FloatDTypePolicy``).

    Args:
        name: ``"float32"``, ``"mixed_bfloat16"`` or ``"mixed_float16"``.
    """

    def __repr__(self):
        return f'<FloatDTypePolicy "{self.name}">'
