"""Keras's dataset utilities: timeseries windows, image/text folders, split_dataset.

TensorFlow is not installed, so Keras's own ``*_dataset_from_directory`` cannot run; the
oracle is Keras's pure-Python pieces those functions are made of (``index_directory``,
``get_training_or_validation_split``, the backend-free image loader of its
``format="grain"`` path) and, for windows, the documented rules with hand-computed indices.
"""

import os

import numpy as np
import pytest
import torch
from keras.src.utils import dataset_utils as keras_dataset_utils

import lamina
from lamina import layers
from lamina.errors import ConfigurationError, InputError
from lamina.utils import (
    image_dataset_from_directory,
    split_dataset,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)

PIL = pytest.importorskip("PIL.Image")


# ------------------------------------------------------------------ timeseries
def _all(dataset):
    batches = list(dataset)
    if isinstance(batches[0], tuple):
        return tuple(torch.cat([b[i] for b in batches]) for i in range(len(batches[0])))
    return torch.cat(batches)


def test_timeseries_windows_follow_keras_documented_example():
    data = np.arange(99)
    dataset = timeseries_dataset_from_array(data, None, sequence_length=10, sampling_rate=2, sequence_stride=3,
                                            batch_size=7)
    windows = _all(dataset)
    assert windows[0].tolist() == list(range(0, 20, 2))
    assert windows[1].tolist() == list(range(3, 23, 2))
    assert windows[-1].tolist() == list(range(78, 98, 2))
    assert len(windows) == 27 and len(dataset) == 4


def test_timeseries_targets_start_end_and_dtype():
    data = np.arange(50, dtype="float64").reshape(25, 2)
    targets = np.arange(100, 125)
    dataset = timeseries_dataset_from_array(data, targets, sequence_length=4, sampling_rate=2, sequence_stride=2,
                                            start_index=3, end_index=20, batch_size=None)
    # Window k starts at step 3 + 2k, runs to 3 + 2k + 6 < 20, its target is targets[3 + 2k].
    samples = list(dataset)
    expected_starts = list(range(3, 20 - 6, 2))
    assert [int(t) for _, t in samples] == [100 + s for s in expected_starts]
    for (window, _), start in zip(samples, expected_starts):
        assert window.dtype == torch.float64
        np.testing.assert_array_equal(window.numpy(), data[start:start + 7:2])


def test_timeseries_targets_shorter_than_data_limit_the_windows():
    dataset = timeseries_dataset_from_array(np.arange(20), np.arange(5), sequence_length=3, batch_size=100)
    windows, targets = _all(dataset)
    assert targets.tolist() == [0, 1, 2, 3, 4] and windows[-1].tolist() == [4, 5, 6]


def test_timeseries_shuffle_first_epoch_is_keras_seeded_order_then_reshuffles():
    dataset = timeseries_dataset_from_array(np.arange(30), np.arange(30), sequence_length=5, batch_size=4,
                                            shuffle=True, seed=7)
    starts = np.arange(0, 26)
    np.random.RandomState(7).shuffle(starts)
    first = _all(dataset)[1]
    assert first.tolist() == starts.tolist()
    second = _all(dataset)[1]
    assert sorted(second.tolist()) == list(range(26)) and second.tolist() != first.tolist()


@pytest.mark.parametrize("kwargs, argument", [
    ({"sampling_rate": 0}, "sampling_rate"),
    ({"sequence_stride": 50}, "sequence_stride"),
    ({"start_index": 60}, "start_index"),
    ({"start_index": 5, "end_index": 5}, "end_index"),
    ({"end_index": 50}, "end_index"),
    ({"batch_size": 0}, "batch_size"),
])
def test_timeseries_bad_arguments_name_the_argument(kwargs, argument):
    with pytest.raises(ConfigurationError, match=argument):
        timeseries_dataset_from_array(np.arange(50), None, sequence_length=3, **kwargs)


def test_timeseries_dataset_trains_a_model():
    series = np.sin(np.arange(300) / 10).astype("float32")[:, None]
    dataset = timeseries_dataset_from_array(series[:-8], series[8:, 0], sequence_length=8, batch_size=32,
                                            shuffle=True, seed=1)
    model = lamina.Sequential([layers.Input((8, 1)), layers.LSTM(8), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(dataset, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert model.predict(dataset, verbose=0).shape == (len(series) - 15, 1)


# ------------------------------------------------------------------ directories
def _tree(root, spec, suffix, write):
    for relative in spec:
        path = root / (relative + suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path, len(list(root.rglob("*"))))
    return root


def _png(path, index, size=None):
    rng = np.random.default_rng(index)
    height, width = size or (5 + index % 4, 7 + index % 3)
    PIL.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(path)


IMAGE_FILES = ["b_dogs/x2", "b_dogs/x10", "b_dogs/nested/deep/a1", "a_cats/z", "a_cats/Y", "c_birds/m",
               "c_birds/n", "c_birds/o", "a_cats/sub/k", "b_dogs/x1"]


@pytest.fixture
def image_dir(tmp_path):
    root = _tree(tmp_path / "images", IMAGE_FILES, ".png", _png)
    (root / "a_cats" / "notes.txt").write_text("not an image")
    (root / "a_cats" / "UPPER.JPG").parent.mkdir(exist_ok=True)
    PIL.fromarray(np.full((6, 6, 3), 90, np.uint8)).save(root / "a_cats" / "UPPER.JPG")
    (root / ".hidden").mkdir()
    _png(root / ".hidden" / "h.png", 3)
    _png(root / "top_level.png", 4)
    return root


def _keras_index(directory, labels="inferred", formats=(".bmp", ".gif", ".jpeg", ".jpg", ".png"), **kwargs):
    return keras_dataset_utils.index_directory(str(directory), labels, formats=formats, verbose=False, **kwargs)


@pytest.mark.parametrize("options", [
    {"shuffle": False},
    {"shuffle": True, "seed": 3},
    {"shuffle": True, "seed": 11, "class_names": ["c_birds", "a_cats"]},
])
def test_image_files_labels_and_class_names_match_keras_index(image_dir, options):
    dataset = image_dataset_from_directory(image_dir, image_size=(4, 4), batch_size=3, verbose=False, **options)
    paths, labels, class_names = _keras_index(image_dir, **options)
    assert dataset.file_paths == paths and dataset.class_names == class_names
    assert _all(dataset)[1].tolist() == list(labels)


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_image_validation_split_matches_keras(image_dir, subset):
    dataset = image_dataset_from_directory(image_dir, image_size=(4, 4), validation_split=0.3, subset=subset, seed=5,
                                           verbose=False)
    paths, labels, _ = _keras_index(image_dir, shuffle=True, seed=5)
    paths, labels = keras_dataset_utils.get_training_or_validation_split(paths, labels, 0.3, subset)
    assert dataset.file_paths == paths
    dataset.shuffle = False  # compare labels in file order
    assert _all(dataset)[1].tolist() == list(labels)


def test_image_subset_both_gives_training_and_validation(image_dir):
    train, val = image_dataset_from_directory(image_dir, image_size=(4, 4), validation_split=0.25, subset="both",
                                              seed=2, verbose=False)
    paths, _, _ = _keras_index(image_dir, shuffle=True, seed=2)
    assert train.file_paths + val.file_paths == paths and len(val.file_paths) == int(0.25 * len(paths))
    assert train.class_names == val.class_names == ["a_cats", "b_dogs", "c_birds"]


def test_image_explicit_labels_and_no_labels(image_dir):
    paths, _, _ = _keras_index(image_dir, labels=None, shuffle=False)
    given = [i % 2 for i in range(len(paths))]
    dataset = image_dataset_from_directory(image_dir, labels=given, image_size=(4, 4), shuffle=False, verbose=False)
    assert dataset.file_paths == paths and dataset.class_names == ["0", "1"]
    assert _all(dataset)[1].tolist() == given
    bare = image_dataset_from_directory(image_dir, labels=None, image_size=(4, 4), shuffle=False, verbose=False)
    assert bare.file_paths == paths and bare.class_names is None and isinstance(bare[0], torch.Tensor)


def test_image_label_modes(image_dir):
    categorical = image_dataset_from_directory(image_dir, label_mode="categorical", image_size=(4, 4), shuffle=False,
                                               verbose=False)
    _, labels, _ = _keras_index(image_dir, shuffle=False)
    one_hot = _all(categorical)[1]
    assert one_hot.dtype == torch.float32 and one_hot.argmax(-1).tolist() == list(labels)
    binary = image_dataset_from_directory(image_dir, label_mode="binary", class_names=["a_cats", "c_birds"],
                                          image_size=(4, 4), shuffle=False, verbose=False)
    targets = _all(binary)[1]
    assert targets.shape == (len(binary.file_paths), 1) and targets.dtype == torch.float32
    with pytest.raises(InputError, match="binary"):
        image_dataset_from_directory(image_dir, label_mode="binary", verbose=False)
    ints = _all(image_dataset_from_directory(image_dir, image_size=(4, 4), shuffle=False, verbose=False))[1]
    assert ints.dtype == torch.int32


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("color_mode", ["rgb", "grayscale", "rgba"])
@pytest.mark.parametrize("aspect", [{}, {"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True}])
def test_image_pixels_match_keras_loader(image_dir, interpolation, color_mode, aspect):
    from keras.src.utils.image_dataset_utils import _load_image_grain

    channels = {"rgb": 3, "grayscale": 1, "rgba": 4}[color_mode]
    dataset = image_dataset_from_directory(image_dir, image_size=(6, 9), color_mode=color_mode, shuffle=False,
                                           interpolation=interpolation, batch_size=4, verbose=False, **aspect)
    images = _all(dataset)[0]
    assert images.shape == (len(dataset.file_paths), 6, 9, channels) and images.dtype == torch.float32
    for path, image in zip(dataset.file_paths, images):
        expected = _load_image_grain(path, (6, 9), channels, interpolation, "channels_last",
                                     aspect.get("crop_to_aspect_ratio", False),
                                     aspect.get("pad_to_aspect_ratio", False))
        np.testing.assert_allclose(image.numpy(), np.asarray(expected), atol=1e-3)


def test_image_channels_first(image_dir):
    dataset = image_dataset_from_directory(image_dir, image_size=(5, 3), data_format="channels_first",
                                           shuffle=False, verbose=False)
    last = image_dataset_from_directory(image_dir, image_size=(5, 3), shuffle=False, verbose=False)
    np.testing.assert_allclose(dataset[0][0].numpy(), last[0][0].permute(0, 3, 1, 2).numpy(), atol=1e-4)


def test_image_follow_links(tmp_path):
    outside = _tree(tmp_path / "outside", ["linked/p", "linked/q"], ".png", _png)
    root = _tree(tmp_path / "root", ["cls/own"], ".png", _png)
    os.symlink(outside / "linked", root / "cls" / "link")
    for follow in (False, True):
        dataset = image_dataset_from_directory(root, image_size=(4, 4), shuffle=False, follow_links=follow,
                                               verbose=False)
        assert dataset.file_paths == _keras_index(root, shuffle=False, follow_links=follow)[0]
        assert len(dataset.file_paths) == (3 if follow else 1)


@pytest.mark.parametrize("kwargs, argument", [
    ({"validation_split": 0.2}, "subset"),
    ({"validation_split": 0.2, "subset": "training"}, "seed"),
    ({"validation_split": 1.5, "subset": "training", "seed": 1}, "validation_split"),
    ({"subset": "testing", "validation_split": 0.2, "seed": 1}, "subset"),
    ({"color_mode": "cmyk"}, "color_mode"),
    ({"interpolation": "area"}, "interpolation"),
    ({"label_mode": "sparse"}, "label_mode"),
    ({"labels": None, "class_names": ["a"]}, "class_names"),
    ({"class_names": ["a_cats", "zebras"]}, "class_names"),
    ({"crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}, "pad_to_aspect_ratio"),
    ({"image_size": 32}, "image_size"),
])
def test_image_bad_arguments_name_the_argument(image_dir, kwargs, argument):
    with pytest.raises(ConfigurationError, match=argument):
        image_dataset_from_directory(image_dir, verbose=False, **kwargs)


def test_image_dataset_trains_a_model_and_reshuffles_per_epoch(image_dir):
    train, val = image_dataset_from_directory(image_dir, image_size=(8, 8), batch_size=4, validation_split=0.2,
                                              subset="both", seed=4, verbose=False)
    model = lamina.Sequential([layers.Input((8, 8, 3)), layers.Rescaling(1 / 255), layers.Flatten(),
                               layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert set(history.history) >= {"loss", "val_loss", "accuracy"}
    first = _all(train)[1].tolist()
    assert sorted(first) == sorted(_all(train)[1].tolist())
    assert model.evaluate(val, verbose=0)[0] > 0


def test_image_printed_counts(image_dir, capsys):
    image_dataset_from_directory(image_dir, validation_split=0.2, subset="training", seed=1)
    assert capsys.readouterr().out.splitlines() == ["Found 11 files belonging to 3 classes.",
                                                    "Using 9 files for training."]


# ------------------------------------------------------------------ text
TEXTS = {"neg/b": "bad movie", "neg/a": "awful, truly", "pos/c": "great fun", "pos/sub/d": "loved it — ünïcode",
         "pos/e": "fine", "neg/z": "dull"}


@pytest.fixture
def text_dir(tmp_path):
    root = tmp_path / "texts"
    for name, text in TEXTS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / (name + ".txt")).write_text(text, encoding="utf-8")
    (root / "pos" / "skip.md").write_text("not text")
    return root


@pytest.mark.parametrize("options", [{"shuffle": False}, {"shuffle": True, "seed": 9}])
def test_text_files_labels_and_contents_match_keras(text_dir, options):
    from keras.src.utils.text_dataset_utils import _path_to_string_content_grain

    dataset = text_dataset_from_directory(text_dir, batch_size=4, max_length=6, verbose=False, **options)
    paths, labels, class_names = _keras_index(text_dir, formats=(".txt",), **options)
    assert dataset.file_paths == paths and dataset.class_names == class_names == ["neg", "pos"]
    dataset.shuffle = False
    texts, got = _all_text(dataset)
    assert got == list(labels)
    assert texts == [_path_to_string_content_grain(p, 6) for p in paths]


def _all_text(dataset):
    texts, labels = [], []
    for batch_texts, batch_labels in dataset:
        assert isinstance(batch_texts, np.ndarray) and batch_texts.dtype == object
        texts += list(batch_texts)
        labels += batch_labels.tolist()
    return texts, labels


def test_text_validation_split_and_binary(text_dir):
    train, val = text_dataset_from_directory(text_dir, label_mode="binary", validation_split=0.5, subset="both",
                                             seed=3, verbose=False)
    paths, labels, _ = _keras_index(text_dir, formats=(".txt",), shuffle=True, seed=3)
    assert train.file_paths == paths[:3] and val.file_paths == paths[3:]
    assert val[0][1].tolist() == [[float(v)] for v in labels[3:]]
    assert all(isinstance(t, str) for t in val[0][0])


def test_text_dataset_trains_a_model_after_map(text_dir):
    dataset = text_dataset_from_directory(text_dir, batch_size=2, seed=0, verbose=False)
    vocabulary = {}

    def to_ids(texts, labels):
        ids = [[vocabulary.setdefault(word, len(vocabulary) + 1) for word in text.split()][:4] for text in texts]
        return lamina.utils.pad_sequences(ids, maxlen=4), labels

    mapped = dataset.map(to_ids)
    assert mapped.class_names == ["neg", "pos"] and len(mapped) == 3
    model = lamina.Sequential([layers.Input((4,), dtype="int32"), layers.Embedding(50, 4), layers.Flatten(),
                               layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert len(model.fit(mapped, epochs=2, verbose=0).history["loss"]) == 2
    assert len(list(mapped.take(1))) == 1


def test_text_dataset_feeds_text_vectorization_as_keras_programs_do(text_dir):
    dataset = text_dataset_from_directory(text_dir, batch_size=2, seed=1, verbose=False)
    vectorize = layers.TextVectorization(max_tokens=30, output_sequence_length=5)
    vectorize.adapt(dataset.map(lambda texts, labels: texts))
    assert "fun" in vectorize.get_vocabulary()
    model = lamina.Sequential([layers.Input((), dtype="string"), vectorize, layers.Embedding(30, 4),
                               layers.GlobalAveragePooling1D(), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert len(model.fit(dataset, epochs=2, verbose=0).history["loss"]) == 2
    assert model.predict(dataset.map(lambda texts, labels: texts), verbose=0).shape == (len(TEXTS), 2)


# ------------------------------------------------------------------ split_dataset
@pytest.mark.parametrize("sizes", [{"left_size": 0.8}, {"right_size": 3}, {"left_size": 7, "right_size": 3},
                                   {"left_size": 0.35, "right_size": 0.65}])
def test_split_dataset_matches_keras_on_torch(sizes):
    import keras

    x = np.arange(20, dtype="float32").reshape(10, 2)
    y = np.arange(10)
    left, right = split_dataset((x, y), shuffle=True, seed=42, **sizes)
    keras_left, keras_right = keras.utils.split_dataset((x, y), shuffle=True, seed=42, **sizes)
    assert left.indices == keras_left.indices and right.indices == keras_right.indices
    assert [int(s[1]) for s in left] == [int(s[1]) for s in keras_left]


def test_split_dataset_without_shuffle_keeps_order_and_trains():
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    left, right = split_dataset((x, x[:, :1]), left_size=0.75)
    assert left.indices == list(range(30)) and right.indices == list(range(30, 40))
    only_x = split_dataset(x, right_size=0.1)[1]
    assert len(only_x) == 4 and torch.equal(only_x[0][0], torch.from_numpy(x[36]))
    model = lamina.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(left, batch_size=8, validation_data=right, epochs=1, verbose=0)


@pytest.mark.parametrize("kwargs, argument", [
    ({}, "left_size"), ({"left_size": 0}, "left_size"), ({"left_size": 1.5}, "left_size"),
    ({"right_size": 40}, "right_size"), ({"left_size": 0.6, "right_size": 0.6}, "add up"),
    ({"left_size": "half"}, "left_size"), ({"preferred_backend": "tensorflow"}, "preferred_backend"),
])
def test_split_dataset_bad_sizes_name_the_argument(kwargs, argument):
    with pytest.raises(ConfigurationError, match=argument):
        split_dataset(np.zeros((10, 2)), **kwargs)


def test_split_dataset_refuses_arrays_of_different_lengths():
    with pytest.raises(InputError, match="same length"):
        split_dataset((np.zeros((10, 2)), np.zeros(9)), left_size=0.5)
