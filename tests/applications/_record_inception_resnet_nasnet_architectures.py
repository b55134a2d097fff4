"""Regenerates ARCHITECTURES in tests/applications/test_applications_inception_resnet_nasnet.py from Keras 3
(slow: builds each big variant with Keras):
``python tests/applications/_record_inception_resnet_nasnet_architectures.py``.

Keras 3.15 refuses ``NASNetMobile`` on its torch backend, so that one is built through
``keras.src.applications.nasnet.NASNet`` with NASNetMobile's settings (``keras_nasnet_mobile``).
"""

import hashlib
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")
import keras  # noqa: E402

sys.path[:0] = [os.path.dirname(__file__), os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
from test_applications_inception_resnet_nasnet import (  # noqa: E402
    ARCHITECTURE_CASES,
    architecture_id,
    keras_nasnet_mobile,
)

for name, kwargs in ARCHITECTURE_CASES:
    keras.backend.clear_session()
    build = keras_nasnet_mobile if name == "NASNetMobile" else getattr(keras.applications, name)
    model = build(weights=None, **kwargs)
    names = [layer.name for layer in model.layers]
    digest = hashlib.sha1("\n".join(names).encode()).hexdigest()[:16]
    print(f'    "{architecture_id(name, kwargs)}": ({model.count_params()}, {len(names)}, "{digest}"),', flush=True)
    del model
