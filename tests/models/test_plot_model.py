"""plot_model / model_to_dot: real images drawn by Graphviz's dot from lamina's DOT text."""

import re
import shutil
import struct

import pytest
import torch

import lamina
from lamina import layers
from lamina.errors import ConfigurationError
from lamina.utils import model_to_dot, plot_model

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz missing: apt-get install graphviz")


def graph_of(text):
    """(node id -> layer name, set of (source name, target name) edges) parsed from DOT text."""
    names = dict(re.findall(r"(layer_\d+) \[label=<.*?<b>(.*?)</b>", text))
    edges = {(names[a], names[b]) for a, b in re.findall(r"(layer_\d+) -> (layer_\d+);", text)}
    return names, edges


def branched_model():
    inputs = lamina.Input((8,), name="features")
    left = layers.Dense(6, activation="relu", name="left_hidden")(inputs)
    left = layers.Dense(4, name="left_out")(left)
    right = layers.Dense(3, activation="tanh", name="right_out")(inputs)
    joined = layers.Concatenate(name="joined")([left, right])
    return lamina.Model(inputs, layers.Dense(2, name="head")(joined), name="branched")


BRANCH_EDGES = {
    ("features", "left_hidden"),
    ("left_hidden", "left_out"),
    ("features", "right_out"),
    ("left_out", "joined"),
    ("right_out", "joined"),
    ("joined", "head"),
}


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@needs_dot
def test_branched_model_is_drawn_as_a_png(tmp_path):
    model = branched_model()
    target = tmp_path / "model.png"
    plot_model(model, to_file=target, show_shapes=True)
    width, height = png_size(target)
    assert 100 < width < 10000 and 100 < height < 10000
    wide = tmp_path / "wide.png"
    plot_model(model, to_file=str(wide), show_shapes=True, rankdir="LR", dpi=100)
    wide_width, wide_height = png_size(wide)
    assert 100 < wide_width < 10000 and wide_height > 50
    assert wide_width / wide_height > width / height  # left to right is the wider drawing
    assert wide_height < height  # and half the dpi
    assert not list(tmp_path.glob("*.partial-*"))


def test_dot_text_has_every_layer_and_the_branch_edges():
    text = model_to_dot(branched_model(), show_shapes=True)
    names, edges = graph_of(text)
    assert sorted(names.values()) == ["features", "head", "joined", "left_hidden", "left_out", "right_out"]
    assert edges == BRANCH_EDGES
    assert "Output shape: <b>(None, 7)</b>" in text  # the Concatenate
    assert "Input shape: <b>[(None, 4), (None, 3)]</b>" in text
    assert 'rankdir="TB"' in text and "dpi=200" in text


def test_label_options():
    model = branched_model()
    plain = model_to_dot(model)
    assert "shape:" not in plain and "(Dense)" in plain and "Activation" not in plain
    no_names = model_to_dot(model, show_layer_names=False)
    assert "left_hidden" not in no_names and "<b>Dense</b>" in no_names
    detailed = model_to_dot(model, show_dtype=True, show_layer_activations=True, show_trainable=True)
    assert "Output dtype: <b>float32</b>" in detailed
    assert "Activation: <b>relu</b>" in detailed and "Activation: <b>tanh</b>" in detailed
    assert detailed.count(">Trainable<") == 4  # the four Dense layers; inputs/merges have no weights
    model.get_layer("head").trainable = False
    assert ">Non-trainable<" in model_to_dot(model, show_trainable=True)


def test_two_inputs_and_a_shared_layer():
    a, b = lamina.Input((3,), name="a"), lamina.Input((3,), name="b")
    shared = layers.Dense(4, name="shared")
    added = layers.Add(name="sum")([shared(a), shared(b)])
    _, edges = graph_of(model_to_dot(lamina.Model([a, b], added)))
    assert edges == {("a", "shared"), ("b", "shared"), ("shared", "sum")}


def test_sequential_is_a_chain():
    model = lamina.Sequential(
        [layers.Dense(4, input_shape=(3,), name="one"), layers.Dropout(0.1, name="two"), layers.Dense(1, name="three")]
    )
    names, edges = graph_of(model_to_dot(model, show_shapes=True))
    assert sorted(names.values()) == ["one", "three", "two"]
    assert edges == {("one", "two"), ("two", "three")}
    assert "Output shape: <b>(None, 1)</b>" in model_to_dot(model, show_shapes=True)


def test_expand_nested_draws_the_inner_layers_in_a_cluster():
    inner_in = lamina.Input((5,), name="inner_in")
    inner = lamina.Model(inner_in, layers.Dense(2, name="inner_dense")(inner_in), name="inner")
    outer_in = lamina.Input((5,), name="outer_in")
    outer = lamina.Model(outer_in, layers.Dense(1, name="head")(inner(outer_in)))
    _, collapsed = graph_of(model_to_dot(outer))
    assert collapsed == {("outer_in", "inner"), ("inner", "head")}
    text = model_to_dot(outer, expand_nested=True)
    _, expanded = graph_of(text)
    assert expanded == {("outer_in", "inner_in"), ("inner_in", "inner_dense"), ("inner_dense", "head")}
    assert "subgraph cluster_" in text and "<b>inner (Functional)</b>" in text


def test_subclassed_model_is_one_box():
    class Tiny(lamina.Model):
        def __init__(self):
            super().__init__(name="tiny")
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    model = Tiny()
    with pytest.raises(ConfigurationError, match="not built yet"):
        model_to_dot(model)
    model(torch.zeros(1, 3))
    names, edges = graph_of(model_to_dot(model))
    assert list(names.values()) == ["tiny"] and not edges


@needs_dot
def test_other_formats(tmp_path):
    model = branched_model()
    plot_model(model, to_file=tmp_path / "model.svg")
    svg = (tmp_path / "model.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "left_hidden" in svg
    plot_model(model, to_file=tmp_path / "model.dot")
    assert graph_of((tmp_path / "model.dot").read_text())[1] == BRANCH_EDGES
    plot_model(model, to_file=tmp_path / "model.pdf")
    assert (tmp_path / "model.pdf").read_bytes()[:5] == b"%PDF-"


def test_missing_dot_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ImportError, match="apt-get install graphviz"):
        plot_model(branched_model(), to_file=tmp_path / "model.png")
    assert not (tmp_path / "model.png").exists()


def test_bad_arguments(tmp_path):
    model = branched_model()
    with pytest.raises(ConfigurationError, match="Received: rankdir='UP'"):
        plot_model(model, to_file=tmp_path / "m.png", rankdir="UP")
    with pytest.raises(ConfigurationError, match=r"cannot write a '\.bmpx' file"):
        plot_model(model, to_file=tmp_path / "m.bmpx")
    with pytest.raises(ConfigurationError, match="Received: dpi=0"):
        model_to_dot(model, dpi=0)
    with pytest.raises(ConfigurationError, match="not built yet"):
        model_to_dot(lamina.Sequential([layers.Dense(2)]))
