"""The files of a directory, with labels, as Keras's ``*_dataset_from_directory`` find them:
class subfolders in alphanumeric order, files walked in sorted order, one shuffle from the
seed, then the validation split off the end."""

import os

import numpy as np
import torch

from lamina.errors import ConfigurationError, InputError

LABEL_MODES = ("int", "categorical", "binary", None)


def check_label_arguments(function, labels, label_mode, class_names):
    """Keras's checks on ``labels``/``label_mode``/``class_names``; returns ``labels``
    (``None`` when ``label_mode`` is ``None``) and ``label_mode``."""
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple, np.ndarray)):
        raise ConfigurationError(
            f"{function}: labels must be 'inferred', None, or a list/tuple of integer labels, one per "
            f"file in alphanumeric order. Received: labels={labels!r}."
        )
    if class_names is not None and not (isinstance(labels, str) and labels == "inferred"):
        raise ConfigurationError(
            f"{function}: class_names can only be given with labels='inferred'. Received: "
            f"labels={labels!r}, class_names={class_names!r}."
        )
    if label_mode not in LABEL_MODES:
        raise ConfigurationError(
            f"{function}: label_mode must be 'int', 'categorical', 'binary' or None. "
            f"Received: label_mode={label_mode!r}."
        )
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def check_validation_split(function, validation_split, subset, shuffle, seed):
    """Keras's rules: both or neither of ``validation_split`` and ``subset``, and a
    ``seed`` when shuffling, so the two subsets never overlap."""
    if validation_split and not 0 < validation_split < 1:
        raise ConfigurationError(
            f"{function}: validation_split must be between 0 and 1. Received: validation_split={validation_split!r}."
        )
    if bool(validation_split) != bool(subset):
        raise ConfigurationError(
            f"{function}: give validation_split and subset together, or neither. Received: "
            f"validation_split={validation_split!r}, subset={subset!r}."
        )
    if subset not in ("training", "validation", "both", None):
        raise ConfigurationError(
            f"{function}: subset must be 'training', 'validation' or 'both'. Received: subset={subset!r}."
        )
    if validation_split and shuffle and seed is None:
        raise ConfigurationError(
            f"{function}: with validation_split and shuffle=True, pass a seed (any int) so the "
            f"training and validation subsets do not overlap. Received: seed=None."
        )


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False,
                    verbose=True, function="index_directory"):
    """``(file_paths, labels, class_names)`` as Keras's ``index_directory``.

    With ``labels="inferred"`` each subfolder (not starting with ".") is a class, in
    alphanumeric order or ``class_names``'s; files are found at any depth below it, folders
    walked in sorted order and files sorted within a folder; only names ending in
    ``formats`` (any case) count. Otherwise the whole tree is indexed and ``labels`` (or
    ``None``) gives the labels. ``shuffle`` permutes the files once with
    ``np.random.RandomState(seed)``.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise InputError(f"{function}: directory does not exist or is not a folder. Received: directory={directory!r}.")
    inferred = isinstance(labels, str) and labels == "inferred"
    if inferred:
        subdirs = [
            name for name in sorted(os.listdir(directory))
            if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")
        ]
        if class_names is not None:
            missing = [name for name in class_names if name not in subdirs]
            if missing:
                raise ConfigurationError(
                    f"{function}: class_names must name subfolders of the directory. Received: "
                    f"class_names={list(class_names)!r}; {missing!r} not found among {subdirs!r}."
                )
            subdirs = list(class_names)
    else:
        subdirs = [""]
    filenames, file_labels = [], []
    for label, subdir in enumerate(subdirs):
        found = _files_below(os.path.join(directory, subdir), subdir, follow_links, tuple(formats))
        filenames += found
        file_labels += [label] * len(found)
    if inferred:
        labels = np.asarray(file_labels, dtype="int32")
        class_names = subdirs
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise InputError(
                f"{function}: labels must give one label per file. Received: {len(labels)} labels for "
                f"{len(filenames)} files in {directory!r}."
            )
        class_names = [str(label) for label in sorted(set(labels))]
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.join(directory, name) for name in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            labels = np.array(labels)
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def _files_below(folder, prefix, follow_links, formats):
    found = []
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda entry: entry[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                found.append(os.path.join(prefix, os.path.relpath(os.path.join(root, name), folder)))
    return found


def training_or_validation(paths, labels, validation_split, subset, verbose=True):
    """The ``subset`` part: the validation files are the last ``int(split * n)``."""
    if not validation_split:
        return paths, labels
    count = int(validation_split * len(paths))
    if subset == "training":
        if verbose:
            print(f"Using {len(paths) - count} files for training.")
        return paths[:-count], None if labels is None else labels[:-count]
    if verbose:
        print(f"Using {count} files for validation.")
    return paths[-count:], None if labels is None else labels[-count:]


def encode_labels(labels, label_mode, num_classes):
    """Labels as Keras yields them: int32 ``(n,)``, float32 ``(n, 1)`` for ``"binary"``,
    float32 one-hot ``(n, num_classes)`` for ``"categorical"``."""
    labels = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    if label_mode == "binary":
        return labels.to(torch.float32).unsqueeze(-1)
    if label_mode == "categorical":
        # As tf.one_hot: a label outside [0, num_classes) is a row of zeros.
        rows = torch.zeros(len(labels), num_classes, dtype=torch.float32)
        valid = (labels >= 0) & (labels < num_classes)
        rows[valid.nonzero().squeeze(-1), labels[valid]] = 1.0
        return rows
    return labels.to(torch.int32)
