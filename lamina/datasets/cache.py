"""Where dataset files come from (Keras's bucket or a mirror) and where they are cached."""

import os
import tempfile

LAMINA_HOME_ENV = "LAMINA_HOME"
DATASETS_ORIGIN_ENV = "LAMINA_DATASETS_ORIGIN"
KERAS_DATASETS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def lamina_home():
    """Root of lamina's cache: ``$LAMINA_HOME`` if set, else ``~/.lamina``."""
    root = os.environ.get(LAMINA_HOME_ENV)
    if root:
        return os.path.abspath(os.path.expanduser(root))
    return os.path.join(os.path.expanduser("~"), ".lamina")


def cache_directory(cache_dir=None, cache_subdir="datasets"):
    """Create (if needed) and return the directory a downloaded file is stored in.

    Args:
        cache_dir: Root of the cache; ``None`` means ``lamina_home()``.
        cache_subdir: Folder under the root; an absolute path is used as is.

    Returns:
        The directory's path. When the default root cannot be written to (a read-only
        home), a ``.lamina`` folder in the system's temporary directory is used instead,
        as Keras does.
    """
    root = lamina_home() if cache_dir is None else os.path.expanduser(os.fspath(cache_dir))
    directory = os.path.join(root, cache_subdir)
    try:
        os.makedirs(directory, exist_ok=True)
    except PermissionError:
        if cache_dir is not None or os.path.isabs(cache_subdir):
            raise
        directory = os.path.join(tempfile.gettempdir(), ".lamina", cache_subdir)
        os.makedirs(directory, exist_ok=True)
    return directory


def dataset_url(fname):
    """URL of one of Keras's dataset files, from ``$LAMINA_DATASETS_ORIGIN`` if set."""
    base = os.environ.get(DATASETS_ORIGIN_ENV) or KERAS_DATASETS_ORIGIN
    return base.rstrip("/") + "/" + fname
