"""Extending lamina as Keras users do: custom layers, losses, metrics and training steps,
and PyTorch modules used as layers."""

import numpy as np
import pytest
import torch
from torch import nn

import lamina
from lamina import layers, metrics, regularizers
from lamina.errors import ConfigurationError, NotCompiledError, SavingError

rng = np.random.default_rng(0)
X = rng.normal(size=(64, 4)).astype(np.float32)
Y = rng.normal(size=(64, 1)).astype(np.float32)


# --------------------------------------------------------------------------- custom layers
class Linear(layers.Layer):
    def __init__(self, units, kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.kernel_regularizer = regularizers.get(kernel_regularizer)

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="ones", regularizer=self.kernel_regularizer, name="w"
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs):
        return inputs @ self.w + self.b

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
        }


def test_custom_layer_regularizer_penalty_is_in_the_reported_loss():
    model = lamina.Sequential([lamina.Input((4,)), Linear(2, kernel_regularizer=regularizers.L2(0.05)), layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(X, Y, batch_size=16, verbose=0)
    w = model.layers[0].get_weights()[0]
    mse = np.mean((model.predict(X, verbose=0) - Y) ** 2)
    np.testing.assert_allclose(history.history["loss"][0], mse + 0.05 * np.square(w).sum(), rtol=1e-5)
    assert 0.05 * np.square(w).sum() == pytest.approx(0.05 * 8)  # ones-initialised 4x2 kernel


def test_add_loss_in_call_is_collected_by_fit():
    class Penalised(layers.Layer):
        def call(self, inputs):
            self.add_loss(inputs.abs().mean())
            return inputs

    model = lamina.Sequential([lamina.Input((4,)), layers.Dense(3), Penalised(), layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(X, Y, batch_size=64, verbose=0)
    kernel, bias = model.layers[0].get_weights()
    hidden = X @ kernel + bias
    mse = np.mean((model.predict(X, verbose=0) - Y) ** 2)
    np.testing.assert_allclose(history.history["loss"][0], mse + np.abs(hidden).mean(), rtol=1e-5)


def test_nested_sublayers_are_tracked_for_weights_training_and_saving(tmp_path):
    @lamina.saving.register_keras_serializable(package="tests")
    class MLPBlock(layers.Layer):
        def __init__(self, units=8, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = layers.Dense(units, activation="relu")
            self.out = layers.Dense(1)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs, training=training))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = lamina.Sequential([lamina.Input((4,)), MLPBlock(8)])
    assert model.count_params() == 4 * 8 + 8 + 8 + 1
    assert len(model.trainable_weights) == 4
    model.compile(optimizer="adam", loss="mse")
    before = model.get_weights()
    model.fit(X, Y, epochs=2, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    lines = []
    model.summary(print_fn=lines.append)
    assert "MLPBlock" in "\n".join(lines) and "Total params: 49" in "\n".join(lines)
    model.save(tmp_path / "block.keras")
    loaded = lamina.saving.load_model(tmp_path / "block.keras")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


def test_custom_layer_sees_training_flag_and_mask():
    class Recorder(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True
            self.seen = []

        def call(self, inputs, training=None, mask=None):
            self.seen.append((bool(training), None if mask is None else mask.cpu().numpy().copy()))
            return inputs

    recorder = Recorder()
    model = lamina.Sequential([lamina.Input((3,), dtype="int64"), layers.Embedding(5, 2, mask_zero=True), recorder, layers.GlobalAveragePooling1D(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    recorder.seen.clear()
    model.fit(ids, np.ones((2, 1), np.float32), verbose=0)
    assert recorder.seen[-1][0] is True
    np.testing.assert_array_equal(recorder.seen[-1][1], ids != 0)
    model.predict(ids, verbose=0)
    assert recorder.seen[-1][0] is False


# -------------------------------------------------------------------------- custom steps
class CustomStepModel(lamina.Model):
    """Keras's "customizing fit" pattern: own loss, own trackers, own optimizer calls."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(1)
        self.loss_tracker = metrics.Mean(name="loss")
        self.mae_metric = metrics.MeanAbsoluteError(name="mae")
        self.seen = metrics.Sum(name="seen")  # samples per epoch: shows the reset

    def call(self, inputs):
        return self.dense(inputs)

    def train_step(self, data):
        x, y = data
        y_pred = self(x, training=True)
        loss = (y_pred - y).square().mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.loss_tracker.update_state(loss.detach())
        self.mae_metric.update_state(y, y_pred.detach())
        self.seen.update_state(torch.tensor(float(len(x))))
        return {m.name: m.result() for m in self.metrics}


class LogsRecorder(lamina.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches, self.epochs = 0, []

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(dict(logs))


def test_custom_train_step_trains_with_callbacks_and_reports_its_metrics():
    model = CustomStepModel()
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.05))
    recorder = LogsRecorder()
    history = model.fit(X, Y, batch_size=16, epochs=3, verbose=0, callbacks=[recorder])
    assert set(history.history) == {"loss", "mae", "seen"}
    assert history.history["seen"] == [64.0, 64.0, 64.0]  # reset at each epoch
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert recorder.batches == 12 and recorder.epochs[-1]["mae"] == history.history["mae"][-1]
    # Attribute metrics are tracked without overriding `metrics` (as Keras tracks them).
    tracked = [m for m in model.metrics if m.name in ("mae", "seen")]
    assert len(tracked) == 2
    mae = np.mean(np.abs(model.predict(X, verbose=0) - Y))
    assert mae == pytest.approx(float(np.mean(np.abs(model(torch.from_numpy(X)).detach().numpy() - Y))))


def test_custom_train_step_gets_keras_packed_data():
    received = []

    class Probe(lamina.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            received.append(data)
            x, y, sample_weight = lamina.utils.unpack_x_y_sample_weight(data)
            loss = self(x).square().mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            return {"loss": loss.detach()}

    model = Probe()
    model.compile(optimizer="sgd")
    model.fit(X, batch_size=64, verbose=0)
    assert isinstance(received[-1], torch.Tensor) and received[-1].shape == (64, 4)
    model.fit(X, Y, batch_size=64, verbose=0)
    assert isinstance(received[-1], tuple) and len(received[-1]) == 2
    model.fit(X, Y, sample_weight=np.ones(64), batch_size=64, verbose=0)
    assert len(received[-1]) == 3


def test_compute_loss_override_with_compile_without_loss():
    class Penalised(layers.Layer):
        def call(self, inputs):
            self.add_loss(inputs.abs().mean())
            return inputs

    class OwnLoss(lamina.Sequential):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return (y_pred - y).abs().mean() + sum(self.losses)

    model = OwnLoss([lamina.Input((4,)), Penalised(), layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.0))
    # Several batches and epochs: each step sees only its own added loss (no stale ones).
    history = model.fit(X, Y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    mae = np.mean(np.abs(model.predict(X, verbose=0) - Y))
    expected = mae + np.abs(X).mean()
    np.testing.assert_allclose(history.history["loss"], [expected, expected], rtol=1e-5)


def test_compute_metrics_override_adds_a_custom_metric():
    class WithExtra(lamina.Sequential):
        def compute_metrics(self, x, y, y_pred, sample_weight):
            metric_results = super().compute_metrics(x, y, y_pred, sample_weight)
            metric_results["max_prediction"] = y_pred.max()
            return metric_results

    model = WithExtra([lamina.Input((4,)), layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(X, Y, batch_size=64, verbose=0)
    assert history.history["max_prediction"][0] == pytest.approx(model.predict(X, verbose=0).max(), rel=1e-5)
    assert "loss" in history.history


def test_custom_test_and_predict_steps():
    class Steps(lamina.Sequential):
        def test_step(self, data):
            x, y = data
            return {"abs_error": (self(x) - y).abs().mean()}

        def predict_step(self, data):
            return self(data) * 2

    model = Steps([lamina.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    plain = model(torch.from_numpy(X)).detach().numpy()
    result = model.evaluate(X, Y, batch_size=64, return_dict=True, verbose=0)
    assert result["abs_error"] == pytest.approx(np.abs(plain - Y).mean(), rel=1e-5)
    np.testing.assert_allclose(model.predict(X, verbose=0), 2 * plain, rtol=1e-6)


def test_gan_style_train_step_with_two_optimizers():
    class TinyGAN(lamina.Model):
        def __init__(self):
            super().__init__()
            self.generator = lamina.Sequential([lamina.Input((2,)), layers.Dense(4)])
            self.discriminator = lamina.Sequential([lamina.Input((4,)), layers.Dense(1)])

        def compile(self, d_optimizer, g_optimizer):
            super().compile()
            self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
            self.d_loss = metrics.Mean(name="d_loss")
            self.g_loss = metrics.Mean(name="g_loss")

        def train_step(self, real):
            bce = lamina.losses.BinaryCrossentropy(from_logits=True)
            fake = self.generator(torch.randn(len(real), 2))
            scores = self.discriminator(torch.cat([fake.detach(), real]))
            labels = torch.cat([torch.ones(len(real), 1), torch.zeros(len(real), 1)])
            d_loss = bce(labels, scores)
            weights = self.discriminator.trainable_weights
            self.d_optimizer.apply_gradients(zip(torch.autograd.grad(d_loss, weights), weights))
            g_loss = bce(torch.zeros(len(real), 1), self.discriminator(self.generator(torch.randn(len(real), 2))))
            weights = self.generator.trainable_weights
            self.g_optimizer.apply_gradients(zip(torch.autograd.grad(g_loss, weights), weights))
            self.d_loss.update_state(d_loss.detach())
            self.g_loss.update_state(g_loss.detach())
            return {"d_loss": self.d_loss.result(), "g_loss": self.g_loss.result()}

    gan = TinyGAN()
    gan.compile(d_optimizer=lamina.optimizers.Adam(1e-3), g_optimizer=lamina.optimizers.Adam(1e-3))
    g_before = gan.generator.get_weights()
    history = gan.fit(X, batch_size=16, epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"} and len(history.history["d_loss"]) == 2
    assert gan.d_optimizer.iterations == 8 and gan.g_optimizer.iterations == 8
    assert not np.array_equal(g_before[0], gan.generator.get_weights()[0])


# ------------------------------------------------------------------ torch modules as layers
class Residual(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.norm = nn.BatchNorm1d(width)

    def forward(self, x):
        return torch.relu(x + self.norm(self.linear(x)))


def _mixed_model():
    inputs = lamina.Input((4,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    hidden = layers.TorchModule(Residual(8))(hidden)
    return lamina.Model(inputs, layers.Dense(1)(hidden))


def test_torch_module_layer_trains_and_weights_reload_into_a_rebuilt_model(tmp_path):
    lamina.utils.set_random_seed(0)
    model = _mixed_model()
    model.compile(optimizer="adam", loss="mse")
    residual = model.layers[2].module
    before = residual.linear.weight.detach().clone()
    model.fit(X, Y, batch_size=16, epochs=2, verbose=0)
    assert not torch.equal(before, residual.linear.weight)
    assert residual.norm.num_batches_tracked.item() == 8  # BatchNorm statistics updated in training
    model.save_weights(tmp_path / "mixed.weights.h5")
    rebuilt = _mixed_model()
    rebuilt.load_weights(tmp_path / "mixed.weights.h5")
    np.testing.assert_array_equal(rebuilt.predict(X, verbose=0), model.predict(X, verbose=0))
    with pytest.raises((NotImplementedError, SavingError), match="save_weights"):
        model.save(tmp_path / "mixed.keras")


def test_plain_module_in_sequential_is_wrapped_and_counted():
    model = lamina.Sequential([lamina.Input((4,)), nn.Linear(4, 3), nn.ReLU(), layers.Dense(1)])
    assert isinstance(model.layers[0], layers.TorchModule)
    assert model.count_params() == 4 * 3 + 3 + 3 + 1
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(X, Y, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]


# ---------------------------------------------------------------- losses and metrics by name
def scaled_error(y_true, y_pred):
    return 3.0 * (y_true - y_pred).abs().mean(dim=-1)


@lamina.saving.register_keras_serializable(package="tests")
def registered_error(y_true, y_pred):
    return 2.0 * (y_true - y_pred).square().mean(dim=-1)


class Scaled(lamina.losses.Loss):
    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return self.scale * (y_true - y_pred).square().mean(dim=-1)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@lamina.saving.register_keras_serializable(package="tests")
class PositiveCount(metrics.Metric):
    def __init__(self, name="positive_count", **kwargs):
        super().__init__(name=name, **kwargs)
        self.count = self.add_variable((), name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.count.add_((self._to_device(y_pred) > 0).sum())

    def result(self):
        return self.count.clone()


@pytest.mark.parametrize(
    "loss, metric_list, custom_objects",
    [
        (scaled_error, [scaled_error], {"scaled_error": scaled_error}),
        (registered_error, [registered_error, PositiveCount()], None),
        (Scaled(2.5), ["mae"], {"Scaled": Scaled}),
    ],
)
def test_custom_losses_and_metrics_survive_a_keras_round_trip(tmp_path, loss, metric_list, custom_objects):
    model = lamina.Sequential([lamina.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=loss, metrics=metric_list)
    model.fit(X, Y, verbose=0)
    model.save(tmp_path / "custom.keras")
    loaded = lamina.saving.load_model(tmp_path / "custom.keras", custom_objects=custom_objects)
    expected = model.evaluate(X, Y, return_dict=True, verbose=0)
    assert loaded.evaluate(X, Y, return_dict=True, verbose=0) == pytest.approx(expected)


def test_unregistered_custom_loss_needs_custom_objects(tmp_path):
    model = lamina.Sequential([lamina.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=Scaled(2.0))
    model.save(tmp_path / "scaled.keras")
    with pytest.raises(ConfigurationError, match="custom_objects"):
        lamina.saving.load_model(tmp_path / "scaled.keras")


def test_losses_and_metrics_get_resolve_functions_and_registered_names():
    wrapped = lamina.losses.get(scaled_error)
    assert wrapped.name == "scaled_error"
    config = lamina.losses.serialize(wrapped)
    with pytest.raises(ConfigurationError, match="custom_objects"):
        lamina.losses.deserialize(config)
    assert lamina.losses.deserialize(config, {"scaled_error": scaled_error}).fn is scaled_error
    assert lamina.losses.deserialize(lamina.losses.serialize(registered_error)).fn is registered_error
    metric_config = lamina.metrics.serialize(PositiveCount())
    assert metric_config["registered_name"] == "tests>PositiveCount"
    assert isinstance(lamina.metrics.deserialize(metric_config), PositiveCount)


# ---------------------------------------------------------------------------- clear errors
class ForgetsSuper(layers.Layer):
    def __init__(self, units):
        self.units = units

    def call(self, inputs):
        return inputs


@pytest.mark.parametrize(
    "use",
    [
        lambda: ForgetsSuper(2)(torch.ones(1, 2)),
        lambda: ForgetsSuper(2)(lamina.Input((2,))),
        lambda: lamina.Sequential([ForgetsSuper(2)]),
        lambda: ForgetsSuper(2).add_weight(shape=(2,)),
    ],
)
def test_forgotten_super_init_is_explained(use):
    with pytest.raises(ConfigurationError, match=r"ForgetsSuper.*super\(\).__init__\(\*\*kwargs\)"):
        use()


@pytest.mark.parametrize(
    "returned, words",
    [(None, "returned None.*forget its `return`"), (1.5, "returned 1.5"), (["a", "b"], "returned \\['a', 'b'\\]")],
)
def test_call_returning_a_non_tensor_is_explained(returned, words):
    class Odd(layers.Layer):
        def call(self, inputs):
            return returned

    with pytest.raises(ConfigurationError, match=f"Layer 'odd' \\(Odd\\): call\\(\\) {words}.*torch.Tensor, or a list"):
        Odd(name="odd")(torch.ones(2, 2))
    with pytest.raises(ConfigurationError, match="not a tensor"):
        lamina.Sequential([lamina.Input((2,)), Odd()])


def test_call_returning_structures_of_tensors_is_fine():
    class Pair(layers.Layer):
        def call(self, inputs):
            return {"a": inputs, "b": [inputs * 2, None]}

    out = Pair()(torch.ones(1, 2))
    assert out["b"][0].sum() == 4


def test_get_config_missing_constructor_arguments_is_caught_when_saving(tmp_path):
    class Scale(layers.Layer):
        def __init__(self, factor, offset, bias=0.0, **kwargs):
            super().__init__(**kwargs)
            self.factor, self.offset, self.bias = factor, offset, bias

        def call(self, inputs):
            return inputs * self.factor + self.offset

        def get_config(self):
            return {**super().get_config(), "bias": self.bias}

    model = lamina.Sequential([lamina.Input((2,)), Scale(2.0, 1.0)])
    message = r"(?s)Scale '.*' cannot be saved: .*\['factor', 'offset'\].*'factor': self.factor, 'offset': self.offset"
    with pytest.raises(SavingError, match=message):
        model.save(tmp_path / "scale.keras")
    with pytest.raises(SavingError, match="factor"):
        model.to_json()


def test_get_config_with_keys_init_does_not_take_is_caught_when_saving(tmp_path):
    class NoKwargs(layers.Layer):
        def __init__(self, units=2):
            super().__init__()
            self.units = units

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = lamina.Sequential([lamina.Input((2,)), NoKwargs()])
    with pytest.raises(SavingError, match=r"\['dtype', 'name', 'trainable'\].*\*\*kwargs"):
        model.save(tmp_path / "nokwargs.keras")


@pytest.mark.parametrize("returned", [None, 0.5])
def test_train_step_without_logs_dict_is_explained(returned):
    class NoLogs(lamina.Sequential):
        def train_step(self, data):
            return returned

    model = NoLogs([lamina.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ConfigurationError, match=r"(?s)train_step\(\) must return a dict of logs.*self.metrics"):
        model.fit(X, Y, verbose=0)


def test_compile_without_loss_fails_only_when_the_default_step_needs_one():
    model = lamina.Sequential([lamina.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd")
    with pytest.raises(NotCompiledError, match="no loss to minimise.*compile\\(optimizer='adam'"):
        model.fit(X, Y, verbose=0)

    class OnlyAddedLoss(layers.Layer):
        def call(self, inputs):
            self.add_loss(inputs.square().mean())
            return inputs

    model = lamina.Sequential([lamina.Input((4,)), layers.Dense(2), OnlyAddedLoss()])
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.1))
    history = model.fit(X, Y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
