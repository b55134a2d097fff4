"""Keras Applications architectures saved by Keras load into lamina and compute Keras's outputs.

Real Keras 3 builds each network (random weights, small inputs, 10 classes, logits), saves a
`.keras` file, and lamina loads it: the outputs agree to 1e-4 of the largest output. These
are the files users bring (transfer learning, Grad-CAM), with BatchNormalization, depthwise
and grouped convolutions, squeeze-excitation, rescaling/normalization layers and
concatenation-heavy graphs.
"""

import keras
import numpy as np
import pytest

import lamina

ARCHITECTURES = {
    "MobileNetV2": lambda: keras.applications.MobileNetV2(
        weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=10, classifier_activation=None
    ),
    "ResNet50": lambda: keras.applications.ResNet50(
        weights=None, input_shape=(32, 32, 3), classes=10, classifier_activation=None
    ),
    "DenseNet121": lambda: keras.applications.DenseNet121(
        weights=None, input_shape=(32, 32, 3), classes=10, classifier_activation=None
    ),
    "EfficientNetB0": lambda: keras.applications.EfficientNetB0(
        weights=None, input_shape=(32, 32, 3), classes=10, classifier_activation=None
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_keras_application_file_loads_with_keras_outputs(name, tmp_path):
    keras.utils.set_random_seed(0)
    original = ARCHITECTURES[name]()
    # Moving statistics away from their initial 0/1, so BatchNormalization's inference path counts.
    for layer in original.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            mean, variance = layer.moving_mean, layer.moving_variance
            rng = np.random.default_rng(len(layer.name))
            mean.assign(rng.normal(0, 0.1, mean.shape).astype("float32"))
            variance.assign(rng.uniform(0.5, 1.5, variance.shape).astype("float32"))
    path = str(tmp_path / f"{name}.keras")
    original.save(path)
    images = np.random.default_rng(1).uniform(0, 255, size=(2, 32, 32, 3)).astype("float32")
    expected = np.asarray(original.predict(images, verbose=0))

    loaded = lamina.models.load_model(path)
    got = loaded.predict(images, verbose=0)
    got = got.detach().cpu().numpy() if hasattr(got, "detach") else np.asarray(got)
    assert got.shape == expected.shape
    scale = np.abs(expected).max()
    assert np.abs(got - expected).max() <= 1e-4 * scale, (name, np.abs(got - expected).max(), scale)
