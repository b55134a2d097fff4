"""SwapEMAWeights and RemoteMonitor against Keras 3 (a server on 127.0.0.1 only)."""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import keras
import numpy as np
import pytest
from oracle import assert_same_weights, twin_models

import lamina
from lamina.callbacks import RemoteMonitor, SwapEMAWeights
from lamina.errors import ConfigurationError


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 2)) + 0.1 * rng.normal(size=(64, 2))).astype("float32")
    return x, y


def regression_model(library):
    return library.Sequential([library.Input((4,)), library.layers.Dense(2)])


def twins():
    ours, theirs = twin_models(regression_model)
    for model, library in ((ours, lamina), (theirs, keras)):
        model.compile(optimizer=library.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.9), loss="mse")
    return ours, theirs


@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_validation_and_final_weights_match_keras(swap_on_epoch):
    x, y = data()
    ours, theirs = twins()
    histories = [
        model.fit(
            x, y, batch_size=16, epochs=3, shuffle=False, verbose=0, validation_data=(x[:16], y[:16]),
            callbacks=[library.callbacks.SwapEMAWeights(swap_on_epoch=swap_on_epoch)],
        ).history
        for model, library in ((ours, lamina), (theirs, keras))
    ]
    np.testing.assert_allclose(histories[0]["val_loss"], histories[1]["val_loss"], rtol=1e-4)
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-4)
    assert_same_weights(ours, theirs, rtol=1e-4, atol=1e-6)


def test_evaluate_uses_the_averages_and_restores_the_weights():
    x, y = data()
    ours, theirs = twins()
    for model in (ours, theirs):
        model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    # fit ends with the averages in the model; move the weights away from them
    trained = [w + 0.1 for w in ours.get_weights()]
    ours.set_weights(trained)
    theirs.set_weights(trained)
    loss = ours.evaluate(x, y, verbose=0, callbacks=[SwapEMAWeights()])
    expected = theirs.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    np.testing.assert_allclose(loss, expected, rtol=1e-4)
    assert loss != pytest.approx(ours.evaluate(x, y, verbose=0), rel=1e-6)
    for now, before in zip(ours.get_weights(), trained):
        np.testing.assert_array_equal(now, before)
    ours.predict(x, verbose=0, callbacks=[SwapEMAWeights()])
    for now, before in zip(ours.get_weights(), trained):
        np.testing.assert_array_equal(now, before)


def test_needs_use_ema():
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = data()
    with pytest.raises(ConfigurationError, match="use_ema=False"):
        model.evaluate(x, y, verbose=0, callbacks=[SwapEMAWeights()])


@pytest.fixture
def receiver():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers.get("Content-Type"), self.headers.get("X-Run"), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield received, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.mark.parametrize("send_as_json", [False, True])
def test_remote_monitor_posts_each_epoch(receiver, send_as_json):
    received, root = receiver
    x, y = data()
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    monitor = RemoteMonitor(root=root, path="/logs/", field="payload", headers={"X-Run": "7"}, send_as_json=send_as_json)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[monitor])
    assert len(received) == 2
    path, content_type, run, body = received[1]
    assert path == "/logs/" and run == "7"
    if send_as_json:
        assert content_type == "application/json"
        sent = json.loads(body)
    else:
        assert content_type == "application/x-www-form-urlencoded"
        sent = json.loads(urllib.parse.parse_qs(body.decode())["payload"][0])
    assert sent["epoch"] == 1 and isinstance(sent["loss"], float)


def test_remote_monitor_sends_what_keras_sends(receiver):
    received, root = receiver
    logs = {"loss": np.float32(0.5), "acc": np.array(0.25)}
    RemoteMonitor(root=root).on_epoch_end(3, dict(logs))
    keras.callbacks.RemoteMonitor(root=root).on_epoch_end(3, dict(logs))
    assert len(received) == 2
    ours, theirs = (urllib.parse.parse_qs(r[3].decode()) for r in received)
    assert json.loads(ours["data"][0]) == json.loads(theirs["data"][0])
    assert received[0][0] == received[1][0] == "/publish/epoch/end/"


def test_unreachable_server_warns_and_training_goes_on():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        root = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        RemoteMonitor(root=root).on_epoch_end(0, {"loss": 1.0})
