"""Weights for the applications: ``weights="imagenet"`` (Keras's published files, fetched
once through ``get_file`` into ``~/.lamina/models`` and checked against the hashes Keras
lists) or ``weights=<path>`` (a local legacy ``.h5``, ``.weights.h5`` or ``.keras`` file).

Keras's files are in the legacy h5 weights format; lamina reads them with
``model.load_weights`` (layer by layer, every layout conversion checked). Offline, the
download error names the file and the path to copy it to. ``$LAMINA_APPLICATIONS_URL``
replaces Keras's server (a mirror, or a local server in tests).
"""

import os

from lamina.datasets.download import get_file
from lamina.errors import ConfigurationError

KERAS_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
BASE_URL_ENV = "LAMINA_APPLICATIONS_URL"


def weights_url(subdir, file_name, base_url=None):
    """Where Keras publishes ``subdir/file_name``: in its ``keras-applications`` folder, or
    ``base_url + file_name`` for the files Keras keeps elsewhere; under
    ``$LAMINA_APPLICATIONS_URL`` (a mirror) always ``subdir/file_name``."""
    mirror = os.environ.get(BASE_URL_ENV)
    if not mirror and base_url:
        return base_url + file_name
    return f"{(mirror or KERAS_WEIGHTS_URL).rstrip('/')}/{subdir}/{file_name}"


def check_weights_argument(weights, include_top, classes, name):
    """Refuse a ``weights`` that is neither None, ``"imagenet"`` nor an existing file."""
    if not (weights in (None, "imagenet") or (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ConfigurationError(
            f"{name}: weights must be None (random initialization), 'imagenet' (pre-training on "
            f"ImageNet) or the path of a weights file. Received: weights={weights!r}."
        )
    if weights == "imagenet" and include_top and classes != 1000:
        raise ConfigurationError(
            f"{name}: the ImageNet classifier has 1000 classes. Received: classes={classes} with "
            "weights='imagenet' and include_top=True. Pass include_top=False and add your own head."
        )


def load_application_weights(model, weights, subdir, file_name, file_hash=None, base_url=None):
    """Load ``weights`` into ``model``: ``"imagenet"`` fetches ``subdir/file_name`` (see ``weights_url``)."""
    if weights is None:
        return
    if weights == "imagenet":
        weights = get_file(file_name, weights_url(subdir, file_name, base_url), cache_subdir="models", file_hash=file_hash)
    model.load_weights(weights)
