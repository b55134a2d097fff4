"""Regenerates ARCHITECTURES in tests/applications/test_applications_mobilenet_v3_convnext.py from Keras 3
(slow: builds each big variant with Keras):
``python tests/applications/_record_mobilenet_v3_convnext_architectures.py``."""

import hashlib
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")
import keras  # noqa: E402

sys.path[:0] = [os.path.dirname(__file__), os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
from test_applications_mobilenet_v3_convnext import ARCHITECTURE_CASES, architecture_id  # noqa: E402

for name, kwargs in ARCHITECTURE_CASES:
    keras.backend.clear_session()
    model = getattr(keras.applications, name)(weights=None, **kwargs)
    names = [layer.name for layer in model.layers]
    digest = hashlib.sha1("\n".join(names).encode()).hexdigest()[:16]
    print(f'    "{architecture_id(name, kwargs)}": ({model.count_params()}, {len(names)}, "{digest}"),', flush=True)
    del model
