"""Regenerates ARCHITECTURES in tests/applications/test_applications.py from Keras 3 (slow: builds each
big variant with Keras): ``python tests/applications/_record_application_architectures.py``."""

import hashlib
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")
import keras  # noqa: E402

sys.path[:0] = [os.path.dirname(__file__), os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
from test_applications import ARCHITECTURE_CASES  # noqa: E402

for name, kwargs in ARCHITECTURE_CASES:
    keras.backend.clear_session()
    model = getattr(keras.applications, name)(weights=None, **kwargs)
    names = [layer.name for layer in model.layers]
    digest = hashlib.sha1("\n".join(names).encode()).hexdigest()[:16]
    print(f'    "{name}": ({model.count_params()}, {len(names)}, "{digest}"),', flush=True)
