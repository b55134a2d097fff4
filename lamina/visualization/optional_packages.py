"""The optional packages the drawing and plotting functions need, with an error that says
which extra to install when one is missing."""

import importlib

_INSTALL = 'pip install "lamina[visualization]"'


def _load(module_name, package, function_name):
    try:
        return importlib.import_module(module_name)
    except ImportError as err:
        raise ImportError(
            f"{function_name} needs {package}, which is not installed. Install it with "
            f"{_INSTALL} (or pip install {package}). ({err})"
        ) from None


def opencv(function_name):
    """The ``cv2`` module (OpenCV draws the boxes and their labels)."""
    return _load("cv2", "opencv-python-headless", function_name)


def pyplot(function_name):
    """``matplotlib.pyplot`` (the galleries are pyplot figures, shown or saved as Keras's)."""
    return _load("matplotlib.pyplot", "matplotlib", function_name)


def legend_patch(function_name):
    """``matplotlib.patches.Patch``, the legend entry of a box colour."""
    return _load("matplotlib.patches", "matplotlib", function_name).Patch
