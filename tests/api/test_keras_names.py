"""Keras 3's public names in ``keras.ops``, ``keras.random`` and the top-level ``keras``
namespace all exist in lamina, except the documented ones below."""

import keras
import pytest

import lamina

# Names that make no sense on torch, each with its reason.
NOT_ON_TORCH = {
    "src": "Keras's private implementation package, not an API.",
    "legacy": "Keras 2 / tf.keras compatibility shims tied to TensorFlow.",
    "wrappers": "scikit-learn wrappers around Keras models; out of lamina's scope.",
    "distribution": "the JAX-only distribution API: Keras 3.15 has no torch distribution_lib "
    "(keras/src/backend/torch/ lacks it); torch data parallel is lamina.distribute.",
    "export": "ExportArchive writes TF SavedModels (it needs TensorFlow); use torch.export / torch.onnx.",
}

# Names still missing while other work lands (issue #15); each should leave this list.
NOT_YET: set[str] = set()


def _public(module):
    return sorted(name for name in dir(module) if not name.startswith("_"))


@pytest.mark.parametrize("namespace", ["ops", "random", ""])
def test_keras_public_names_exist_in_lamina(namespace):
    keras_module = getattr(keras, namespace) if namespace else keras
    lamina_module = getattr(lamina, namespace) if namespace else lamina
    missing = [
        name for name in _public(keras_module)
        if not hasattr(lamina_module, name) and name not in NOT_ON_TORCH and name not in NOT_YET
    ]
    assert not missing, f"lamina.{namespace or '<top>'} lacks Keras's {missing}"


def test_not_yet_lists_only_missing_names():
    present = sorted(name for name in NOT_YET if hasattr(lamina, name))
    assert not present, f"lamina now has {present}: remove them from NOT_YET"
