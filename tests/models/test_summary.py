"""model.summary(): the Sequential table, and "Connected to" for functional models."""

import re

import lamina
from lamina import layers


def summary_lines(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def row_cells(lines, layer_name):
    """The cells of the row starting with ``layer_name (``, split on runs of 2+ spaces."""
    row = next(line for line in lines if line.startswith(f" {layer_name} ("))
    return [cell for cell in re.split(r"\s{2,}", row.strip())]


def branched_model():
    a = lamina.Input((4,), name="a")
    b = lamina.Input((3,), name="b")
    da = layers.Dense(5, name="da")(a)
    db = layers.Dense(5, name="db")(b)
    shared = layers.Dense(5, name="shared")
    joined = layers.Concatenate(name="cat")([shared(da), shared(db)])
    return lamina.Model([a, b], layers.Dense(1, name="out")(joined), name="branched")


def test_functional_summary_has_connected_to_column_like_keras():
    lines = summary_lines(branched_model())
    assert lines[0] == 'Model: "branched"'
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#", "Connected", "to"]
    assert row_cells(lines, "a") == ["a (InputLayer)", "(None, 4)", "0", "-"]
    assert row_cells(lines, "b") == ["b (InputLayer)", "(None, 3)", "0", "-"]
    assert row_cells(lines, "da") == ["da (Dense)", "(None, 5)", "25", "a[0][0]"]
    assert row_cells(lines, "shared") == ["shared (Dense)", "(None, 5)", "30", "da[0][0], db[0][0]"]
    assert row_cells(lines, "cat") == ["cat (Concatenate)", "(None, 10)", "0", "shared[0][0], shared[1][0]"]
    assert row_cells(lines, "out") == ["out (Dense)", "(None, 1)", "11", "cat[0][0]"]
    assert " Total params: 86" in lines and " Trainable params: 86" in lines
    names = [line.split(" (")[0].strip() for line in lines if " (" in line and "(type)" not in line]
    assert names[:2] == ["a", "b"] and sorted(names) == ["a", "b", "cat", "da", "db", "out", "shared"]


def test_rows_list_only_this_models_calls_and_name_the_output_index():
    x = lamina.Input((6,), name="x")
    encoder = layers.Dense(4, name="encoder")
    lamina.Model(x, encoder(x), name="first_use")  # node 0 of encoder belongs to another model
    y = lamina.Input((6,), name="y")
    halves = layers.Lambda(lambda t: (t[:, :2], t[:, 2:]), output_shape=((2,), (2,)), name="split")(encoder(y))
    added = layers.Add(name="add")([halves[1], halves[0]])
    lines = summary_lines(lamina.Model(y, added, name="second_use"))
    assert row_cells(lines, "encoder")[-1] == "y[0][0]"
    assert row_cells(lines, "split")[1:] == ["[(None, 2), (None, 2)]", "0", "encoder[1][0]"]
    assert row_cells(lines, "add")[-1] == "split[0][1], split[0][0]"
    assert not any(line.startswith(" x (") for line in lines)


def test_nested_model_is_one_row_connected_to_its_input():
    inner_in = lamina.Input((3,), name="inner_in")
    inner = lamina.Model(inner_in, layers.Dense(2, name="inner_dense")(inner_in), name="inner")
    outer_in = lamina.Input((3,), name="outer_in")
    outer = lamina.Model(outer_in, layers.Dense(1, name="head")(inner(outer_in)), name="outer")
    lines = summary_lines(outer)
    assert row_cells(lines, "inner") == ["inner (Functional)", "(None, 2)", "8", "outer_in[0][0]"]
    assert row_cells(lines, "head")[-1] == "inner[0][0]"


def test_sequential_summary_keeps_three_columns():
    model = lamina.Sequential([layers.Dense(4, input_shape=(3,), name="hidden"), layers.Dense(2, name="logits")])
    lines = summary_lines(model)
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]
    assert row_cells(lines, "hidden") == ["hidden (Dense)", "(None, 4)", "16"]
    assert row_cells(lines, "logits") == ["logits (Dense)", "(None, 2)", "10"]
    assert not any("Connected to" in line for line in lines)


def test_line_length_widens_the_first_column():
    lines = summary_lines(branched_model(), line_length=120)
    assert len(lines[1]) == 120 and set(lines[1]) == {"="}


def test_long_connection_lists_wrap_over_several_lines():
    inputs = lamina.Input((2,), name="x")
    branches = [layers.Dense(2, name=f"branch_{i}")(inputs) for i in range(4)]
    lines = summary_lines(lamina.Model(inputs, layers.Concatenate(name="all_four")(branches)))
    start = next(i for i, line in enumerate(lines) if line.startswith(" all_four ("))
    wrapped = lines[start : start + 2]
    assert wrapped[0].rstrip().endswith("branch_0[0][0], branch_1[0][0],")
    assert wrapped[1].split() == ["branch_2[0][0],", "branch_3[0][0]"]
    assert lines[start + 2].startswith("---")
    assert all(len(line) == len(lines[1]) for line in wrapped)
