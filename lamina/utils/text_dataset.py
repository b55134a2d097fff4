"""``text_dataset_from_directory``: Keras's function, without TensorFlow."""

import numpy as np
import torch

from lamina.errors import ConfigurationError, InputError
from lamina.utils import directory_index
from lamina.utils.sample_dataset import SampleDataset, check_batch_size, draw_seed


def text_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    max_length=None,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    format="tf",
    verbose=True,
):
    """A dataset of batches of texts (and labels) from class subfolders of ``.txt``
    files, as ``keras.utils.text_dataset_from_directory``.

    File order, labels, the seeded shuffle and the validation split are Keras's exactly.

    Args:
        directory: the folder. With ``labels="inferred"`` it holds one subfolder per class.
        labels: ``"inferred"``, ``None`` (texts only), or a list/tuple of int labels, one
            per file in alphanumeric path order.
        label_mode: ``"int"`` (int32), ``"categorical"`` (float32 one-hot), ``"binary"``
            (float32 ``(n, 1)``, two classes) or ``None``.
        class_names: with ``labels="inferred"``, the subfolders to use, in label order.
        batch_size: texts per batch (default 32), or ``None`` for single texts.
        max_length: keep at most this many characters of each text.
        shuffle: shuffle the files (default ``True``; else alphanumeric order).
        seed: int seed for the shuffle; needed with ``validation_split`` and ``shuffle``.
        validation_split: fraction of the files kept for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"`` (a list of the two).
        follow_links: follow symbolic links to folders.
        format: ``"tf"`` or ``"grain"``, accepted for Keras code; both give the same dataset.
        verbose: print how many files and classes were found.

    Returns:
        A ``SampleDataset`` of ``(texts, labels)`` batches. ``texts`` is a NumPy array of
        Python ``str`` (dtype ``object``), each file read as UTF-8, where Keras yields a
        ``tf.string`` tensor of bytes (Keras's ``format="grain"`` also yields ``str``, and
        ``max_length`` counts characters as it does there, not bytes). A model that
        starts with ``TextVectorization`` (after ``Input((), dtype="string")``) trains on
        it as it is; adapt the layer on ``dataset.map(lambda texts, labels: texts)``. Or
        map the texts to token ids yourself with ``dataset.map``.
        With ``subset="both"``, a list ``[training, validation]``.
    """
    function = "text_dataset_from_directory"
    labels, label_mode = directory_index.check_label_arguments(function, labels, label_mode, class_names)
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer))
                                   or max_length < 0):
        raise ConfigurationError(
            f"{function}: max_length must be an int >= 0 or None. Received: max_length={max_length!r}."
        )
    batch_size = check_batch_size(batch_size, function)
    if format not in ("tf", "grain"):
        raise ConfigurationError(f"{function}: format must be 'tf' or 'grain'. Received: format={format!r}.")
    directory_index.check_validation_split(function, validation_split, subset, shuffle, seed)
    seed = draw_seed(seed)
    paths, labels, class_names = directory_index.index_directory(
        directory, labels, (".txt",), class_names, shuffle, seed, follow_links, verbose, function
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise InputError(
            f"{function}: label_mode='binary' needs exactly 2 classes. Received: class_names={class_names!r}. "
            f"Use label_mode='int' or 'categorical' for more."
        )
    num_classes = len(class_names) if class_names else 0

    def build(part, part_shuffle, name):
        part_paths, part_labels = directory_index.training_or_validation(
            paths, labels, validation_split, part, verbose
        )
        if not part_paths:
            raise InputError(f"{function}: no {name}text files found in {directory!r}. Allowed format: .txt.")
        encoded = None if label_mode is None else directory_index.encode_labels(part_labels, label_mode, num_classes)

        def load(indices):
            texts = np.empty(len(indices), dtype=object)
            texts[:] = [read_text(part_paths[i], max_length) for i in indices]
            return texts if encoded is None else (texts, encoded[torch.from_numpy(indices)])

        dataset = SampleDataset(len(part_paths), load, batch_size, shuffle=part_shuffle, seed=seed)
        dataset.class_names = class_names
        dataset.file_paths = list(part_paths)
        return dataset

    if subset == "both":
        return [build("training", shuffle, "training "), build("validation", False, "validation ")]
    return build(subset, shuffle, "")


def read_text(path, max_length=None):
    """A text file's contents (UTF-8), cut to ``max_length`` characters."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return text if max_length is None else text[:max_length]
