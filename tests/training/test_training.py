"""compile / fit / evaluate / predict against plain PyTorch, plus the errors users hit."""

import copy
import subprocess
import sys

import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.backend import set_random_seed
from lamina.errors import ConfigurationError, InputError, NotCompiledError
from lamina.training.validation_split import class_labels, split_indices


def blobs(n=600, classes=3, features=8, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(classes, features))
    y = rng.integers(0, classes, size=n)
    x = centers[y] + rng.normal(size=(n, features))
    return (x / x.std()).astype(np.float32), y


def small_model(classes=3, features=8, activation="softmax"):
    return lamina.Sequential(
        [layers.Dense(16, activation="relu", input_shape=(features,)), layers.Dense(classes, activation=activation)]
    )


def test_fit_learns_and_history_has_keras_keys():
    x, y = blobs()
    model = small_model()
    model.compile(optimizer=lamina.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0, validation_split=0.2)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] > 0.9
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.9
    assert model.evaluate(x, y, verbose=0, return_dict=True) == {"loss": loss, "accuracy": accuracy}


def test_training_matches_a_plain_pytorch_loop_step_for_step():
    x, y = blobs(n=96)
    model = small_model(activation=None)
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.1), loss=lamina.losses.SparseCategoricalCrossentropy(from_logits=True))
    reference = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    with torch.no_grad():
        reference[0].weight.copy_(model.layers[0].kernel)
        reference[0].bias.copy_(model.layers[0].bias)
        reference[2].weight.copy_(model.layers[1].kernel)
        reference[2].bias.copy_(model.layers[1].bias)
    history = model.fit(x, y, epochs=3, batch_size=32, shuffle=False, verbose=0)
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(3):
        total = 0.0
        for start in range(0, 96, 32):
            loss = torch.nn.functional.cross_entropy(reference(xt[start : start + 32]), yt[start : start + 32])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * 32
        assert history.history["loss"][epoch] == pytest.approx(total / 96, rel=1e-5)
    torch.testing.assert_close(model.layers[1].kernel, reference[2].weight)


def test_predict_is_batched_inference_and_matches_call():
    x, _ = blobs(n=70)
    model = lamina.Sequential([layers.Dense(4, input_shape=(8,)), layers.Dropout(0.5), layers.Dense(2)])
    out = model.predict(x, batch_size=16, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (70, 2)
    np.testing.assert_allclose(out, model(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x[:5]), out[:5], rtol=1e-5, atol=1e-6)


def test_on_batch_methods():
    x, y = blobs(n=64)
    model = small_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.test_on_batch(x, y, return_dict=True)
    for _ in range(20):
        model.reset_metrics()
        model.train_on_batch(x, y)
    model.reset_metrics()
    after = model.test_on_batch(x, y, return_dict=True)
    assert after["loss"] < before["loss"]
    assert set(after) == {"loss", "accuracy"}


def test_same_seed_same_weights_and_history():
    x, y = blobs(n=200)

    def run():
        set_random_seed(7)
        model = lamina.Sequential([layers.Dense(16, activation="relu"), layers.Dropout(0.3), layers.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
        history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.25)
        return history.history, [w.copy() for w in model.get_weights()]

    (h1, w1), (h2, w2) = run(), run()
    assert h1 == h2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)


def test_accuracy_resolves_like_keras():
    x, y = blobs(n=64)
    onehot = lamina.utils.to_categorical(y, 3)
    model = small_model()
    model.compile("adam", "categorical_crossentropy", metrics=["acc"])
    model.fit(x, onehot, verbose=0)
    assert type(model.metrics[1]).__name__ == "CategoricalAccuracy" and model.metrics[1].name == "acc"
    binary = lamina.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(8,))])
    binary.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    binary.fit(x, (y == 0).astype("float32"), verbose=0)
    assert type(binary.metrics[1]).__name__ == "BinaryAccuracy"


def test_validation_split_with_shuffle_is_stratified_random_not_the_tail():
    y = np.repeat(np.arange(10), 100)  # sorted labels: Keras's tail split would be all 9s
    labels = class_labels(torch.from_numpy(y))
    train_idx, val_idx = split_indices(1000, 0.2, labels, shuffle=True)
    assert np.bincount(y[val_idx.numpy()], minlength=10).tolist() == [20] * 10
    assert sorted(train_idx.tolist() + val_idx.tolist()) == list(range(1000))
    _, tail = split_indices(1000, 0.2, labels, shuffle=False)
    assert tail.tolist() == list(range(800, 1000))
    onehot = lamina.utils.to_categorical(y, 10)
    np.testing.assert_array_equal(class_labels(torch.from_numpy(onehot)), y)
    assert class_labels(torch.rand(10, 1)) is None


def test_fit_validation_split_uses_held_out_samples():
    x = np.arange(400, dtype=np.float32).reshape(-1, 1) / 400
    y = np.repeat(np.arange(4), 100)
    seen = []

    class RecordValidation(lamina.callbacks.Callback):
        def on_test_begin(self, logs=None):
            seen.append(True)

    model = lamina.Sequential([layers.Dense(4, activation="softmax", input_shape=(1,))])
    model.compile("sgd", "sparse_categorical_crossentropy", ["accuracy"])
    history = model.fit(x, y, validation_split=0.25, epochs=2, verbose=0, callbacks=[RecordValidation()])
    assert len(history.history["val_loss"]) == 2 and len(seen) == 2


def test_cuda_placement_without_code_change():
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    x, y = blobs(n=64)
    model = compiled_model()
    model.fit(x, y, verbose=0)
    assert next(model.parameters()).device.type == "cuda"
    assert model.predict(x, verbose=0).shape == (64, 3)


def test_keras_namespace_aliases():
    import lamina.keras.layers as keras_layers
    from lamina.keras.models import Sequential

    assert keras_layers.Dense is layers.Dense and Sequential is lamina.Sequential
    assert lamina.keras.datasets.mnist.load_data is lamina.datasets.mnist.load_data


def test_fit_progress_output_is_one_line_per_epoch_off_a_terminal():
    script = (
        "import numpy as np, lamina\n"
        "x = np.random.rand(320, 4).astype('float32'); y = (x.sum(1) > 2).astype('int64')\n"
        "m = lamina.Sequential([lamina.layers.Dense(2, activation='softmax', input_shape=(4,))])\n"
        "m.compile('adam', 'sparse_categorical_crossentropy', ['accuracy'])\n"
        "m.fit(x, y, epochs=2)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert "\r" not in out
    lines = out.strip().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("10/10 [==============================]") and "loss: " in lines[1]
    assert "accuracy: " in lines[1]


def test_model_is_a_real_torch_module():
    model = small_model()
    assert isinstance(model, torch.nn.Module)
    keys = list(model.state_dict())
    assert keys == ["0.kernel", "0.bias", "1.kernel", "1.bias"]
    clone = small_model()
    clone.load_state_dict(copy.deepcopy(model.state_dict()))
    x = torch.randn(3, 8)
    torch.testing.assert_close(clone(x), model(x))
    model.to("cpu", dtype=torch.float64)
    assert model(x.double()).dtype == torch.float64


def test_nn_module_inside_sequential_trains():
    x, y = blobs(n=200)
    model = lamina.Sequential([torch.nn.Linear(8, 16), torch.nn.ReLU(), layers.Dense(3, activation="softmax")])
    model.compile(lamina.optimizers.Adam(0.01), "sparse_categorical_crossentropy", ["accuracy"])
    first = model.layers[0].module.weight.detach().clone()
    history = model.fit(x, y, epochs=8, verbose=0)
    assert not torch.equal(first, model.layers[0].module.weight)
    assert history.history["accuracy"][-1] > 0.8


def test_summary_lists_layers_shapes_and_totals():
    lines = []
    lamina.Sequential(
        [layers.Flatten(input_shape=(28, 28)), layers.Dense(128, activation="relu"), layers.Dropout(0.2), layers.Dense(10)]
    ).summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "flatten (Flatten)" in text and "(None, 784)" in text and "100,480" in text
    assert "Total params: 101,770" in text and "Trainable params: 101,770" in text
    assert "Non-trainable params: 0" in text


# ----------------------------------------------------------------- clear errors
def compiled_model():
    model = small_model()
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    return model


def test_error_x_and_y_lengths_differ():
    x, y = blobs(n=50)
    with pytest.raises(InputError, match="x has 50, y has 49"):
        compiled_model().fit(x, y[:-1], verbose=0)


def test_error_input_shape_mismatch():
    x, y = blobs(n=50, features=5)
    with pytest.raises(InputError, match=r"expects inputs of shape \(batch, 8\).*\(50, 5\)"):
        compiled_model().fit(x, y, verbose=0)


@pytest.mark.parametrize("bad, where", [(3, 7), (-1, 0)])
def test_error_sparse_label_out_of_range_names_index_and_value(bad, where):
    x, y = blobs(n=50)
    y = y.copy()
    y[where] = bad
    with pytest.raises(InputError, match=f"index {where} is {bad}.*3 (output )?classes"):
        compiled_model().fit(x, y, verbose=0)
    with pytest.raises(InputError, match=f"index {where} is {bad}"):
        compiled_model().evaluate(x, y, verbose=0)


def test_error_unknown_names_list_valid_ones():
    model = small_model()
    with pytest.raises(ConfigurationError, match="adamm") as info:
        model.compile(optimizer="adamm", loss="mse")
    assert "adam" in str(info.value)
    with pytest.raises(ConfigurationError, match="msee"):
        model.compile(optimizer="adam", loss="msee")
    with pytest.raises(ConfigurationError, match="precisionn"):
        model.compile(optimizer="adam", loss="mse", metrics=["precisionn"])
        model.fit(*blobs(n=10), verbose=0)


def test_error_fit_before_compile():
    with pytest.raises(NotCompiledError, match="compile"):
        small_model().fit(*blobs(n=10), verbose=0)


def test_error_non_numeric_input():
    x = np.array([["a"] * 8] * 4)
    with pytest.raises(InputError, match="non-numeric"):
        compiled_model().fit(x, np.zeros(4, dtype=int), verbose=0)


def test_error_bad_batch_size():
    with pytest.raises(InputError, match="batch_size"):
        compiled_model().fit(*blobs(n=10), batch_size=0, verbose=0)


def test_error_non_finite_inputs_name_array_and_sample():
    x, y = blobs(n=40)
    x[17, 3] = np.nan
    with pytest.raises(InputError, match=r"x holds a non-finite value \(nan\) in sample 17"):
        compiled_model().fit(x, y, verbose=0)
    compiled_model().fit(x, y, verbose=0, check_finite=False)
    targets = np.random.rand(40, 3).astype(np.float32)
    targets[5, 0] = np.inf
    model = small_model(activation=None)
    model.compile("sgd", "mse")
    with pytest.raises(InputError, match=r"y holds a non-finite value \(inf\) in sample 5"):
        model.fit(blobs(n=40)[0], targets, verbose=0)
