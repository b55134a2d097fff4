"""Bounded fuzzing (hypothesis) of every file lamina reads: IDX, .npz, .keras and .weights.h5.

Each property damages a valid file (truncation, bit flips, overwritten or copied bytes;
for ``.keras`` also a damaged member repacked with a correct CRC, and JSON values of the
wrong type in ``config.json``) and loads it. The loader must either succeed or raise a
lamina error of the loader's kind: never another exception, a crash, a hang (each load
runs under ``signal.alarm``) or a large allocation (peak RSS is checked after each load).
"""

import contextlib
import copy
import faulthandler
import gzip
import io
import json
import math
import os
import resource
import signal
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import lamina
from lamina import layers
from lamina.datasets import mnist, read_idx
from lamina.datasets.safe_npz import load_npz
from lamina.errors import InputError, LaminaError, SavingError

SECONDS_PER_LOAD = 10
MAX_PEAK_GROWTH_MB = 64
# CI runs a fixed, reproducible set of damaged files; LAMINA_FUZZ_SCALE=20 (say) runs 20x
# as many, freshly random, for a longer hunt.
SCALE = float(os.environ.get("LAMINA_FUZZ_SCALE", "1"))

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="needs signal.alarm (POSIX)")


def fuzz(examples):
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        derandomize=SCALE == 1,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang(f"a load took more than {SECONDS_PER_LOAD} s")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@contextlib.contextmanager
def bounded():
    """Fail on a hang (alarm) or on peak memory growing by more than MAX_PEAK_GROWTH_MB."""
    before = peak_rss_mb()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS_PER_LOAD)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    grown = peak_rss_mb() - before
    assert grown < MAX_PEAK_GROWTH_MB, f"peak memory grew by {grown:.0f} MB while loading"


def loads_cleanly(load, path, error_class):
    """Run ``load(path)``; a failure must be ``error_class``. Returns the result or None."""
    with bounded():
        try:
            return load(path)
        except error_class as error:
            assert str(error), "a lamina error must say what is wrong"
            return None


@pytest.fixture(scope="module", autouse=True)
def watchdog():
    """A hang inside C code (where the alarm cannot interrupt) still ends the run, with a traceback."""
    faulthandler.dump_traceback_later(600 * max(1.0, SCALE), exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


# ------------------------------------------------------------------------- damage
_INTERESTING = (0x00, 0x01, 0x7F, 0x80, 0xFF)


def edits(original):
    """1-6 random edits of ``original``: bit flips, bytes overwritten, runs copied, truncation.

    The edits (not the damaged bytes) are what hypothesis draws, so a failing example
    prints as a short list of positions.
    """
    size = len(original)
    position = st.integers(0, size - 1)
    edit = st.one_of(
        st.tuples(st.just("flip"), position, st.integers(0, 7)),
        st.tuples(st.just("set"), position, st.sampled_from(_INTERESTING) | st.integers(0, 255)),
        st.tuples(st.just("copy"), position, position, st.integers(1, 16)),
        st.tuples(st.just("truncate"), position),
    )
    return st.lists(edit, min_size=1, max_size=6)


def damage(original, changes):
    data = bytearray(original)
    for kind, at, *rest in changes:
        if at >= len(data):
            continue
        if kind == "flip":
            data[at] ^= 1 << rest[0]
        elif kind == "set":
            data[at] = rest[0]
        elif kind == "copy":
            source, length = rest
            data[at : at + length] = data[source : source + length]
        else:
            del data[at:]
    return bytes(data)


class Original(bytes):
    """A valid file's bytes, shown by name in hypothesis's reports instead of in full."""

    def __new__(cls, data, name):
        value = super().__new__(cls, data)
        value.name = name
        return value

    def __repr__(self):
        return f"<valid {self.name}, {len(self)} bytes>"


def write(path, data):
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- IDX
def idx_file(shape=(3, 4, 5)):
    values = np.arange(math.prod(shape), dtype=np.uint8).reshape(shape)
    return b"\0\0\x08" + bytes([len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + values.tobytes()


IDX_PLAIN = Original(idx_file(), "IDX file")
IDX_GZIP = Original(gzip.compress(idx_file(), mtime=0), "gzipped IDX file")


def check_idx(workdir, data, name):
    path = write(workdir / name, data)
    array = loads_cleanly(read_idx, path, InputError)
    if array is not None:  # what still parses holds no more than the file's bytes
        assert array.nbytes <= len(gzip.decompress(data) if name.endswith(".gz") else data)


@fuzz(150)
@given(changes=edits(IDX_PLAIN))
def test_damaged_idx_files_fail_cleanly(workdir, changes):
    check_idx(workdir, damage(IDX_PLAIN, changes), "images-idx3-ubyte")


@fuzz(150)
@given(changes=edits(IDX_GZIP))
def test_damaged_gzipped_idx_files_fail_cleanly(workdir, changes):
    check_idx(workdir, damage(IDX_GZIP, changes), "images-idx3-ubyte.gz")


@fuzz(60)
@given(shape=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=4), body=st.binary(max_size=64))
@example(shape=[0, 1_518_494_220, 1_518_506_280], body=b"")  # found by this test: a raw ValueError
def test_idx_headers_promising_huge_arrays_allocate_nothing(workdir, shape, body):
    header = b"\0\0\x0d" + bytes([len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
    check_idx(workdir, header + body, "huge-idx1-ubyte")


# --------------------------------------------------------------------------- npz
def mnist_npz(compressed):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 5, 5), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (3, 5, 5), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 3, dtype=np.uint8),
    }
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return Original(buffer.getvalue(), f"{'compressed ' if compressed else ''}mnist.npz")


def ragged_npz():
    """An imdb-style file: object arrays of id lists (read by lamina's restricted unpickler)."""
    sequences = np.empty(3, dtype=object)
    sequences[:] = [[1, 2, 3], [4], [5, 6]]
    buffer = io.BytesIO()
    np.savez(buffer, x_train=sequences, y_train=np.array([0, 1, 0]))
    return Original(buffer.getvalue(), "imdb-style npz")


NPZ_PLAIN, NPZ_COMPRESSED, NPZ_RAGGED = mnist_npz(False), mnist_npz(True), ragged_npz()


@pytest.fixture(scope="module")
def mnist_home(workdir):
    """LAMINA_HOME with a cached ``mnist.npz``: load_data reads it without downloading."""
    home = workdir / "lamina-home"
    (home / "datasets").mkdir(parents=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAMINA_HOME", str(home))
        yield home / "datasets" / "mnist.npz"


def load_mnist_unchecked(path):
    """mnist.load_data on the cached file, skipping only its sha256 check (the seam for tests)."""
    return mnist.load_data(_file_hash=None)


@fuzz(120)
@given(original=st.sampled_from([NPZ_PLAIN, NPZ_COMPRESSED]), data=st.data())
def test_damaged_mnist_npz_files_fail_cleanly(mnist_home, original, data):
    write(mnist_home, damage(original, data.draw(edits(original), label="edits")))
    loads_cleanly(load_mnist_unchecked, mnist_home, InputError)


@fuzz(100)
@given(original=st.sampled_from([NPZ_RAGGED, NPZ_PLAIN]), data=st.data())
def test_damaged_text_dataset_npz_files_fail_cleanly(workdir, original, data):
    path = write(workdir / "imdb.npz", damage(original, data.draw(edits(original), label="edits")))
    loads_cleanly(load_npz, path, InputError)


@fuzz(40)
@given(length=st.integers(10**6, 10**15))
def test_npz_headers_promising_huge_arrays_allocate_nothing(mnist_home, length):
    header = {"descr": "<f8", "fortran_order": False, "shape": (length,)}
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, header)
    member.write(b"\0" * 64)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("x_train", "y_train", "x_test", "y_test"):
            archive.writestr(f"{name}.npy", member.getvalue())
    write(mnist_home, buffer.getvalue())
    with pytest.raises(InputError, match="declares shape"), bounded():
        load_mnist_unchecked(mnist_home)


# ------------------------------------------------------------------ .keras / .h5
def small_functional():
    inputs = lamina.Input((4,))
    hidden = layers.Dropout(0.1)(layers.Dense(3, activation="relu")(inputs))
    return lamina.Model(inputs, layers.Dense(2, activation="softmax")(hidden))


def small_sequential():
    model = lamina.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(2)])
    model.build((None, 4))
    return model


@pytest.fixture(scope="module")
def keras_file(workdir):
    """A compiled, trained functional model's archive (so it holds optimizer state too)."""
    model = small_functional()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(np.ones((4, 4), np.float32), np.array([0, 1, 0, 1]), epochs=1, verbose=0)
    path = workdir / "valid.keras"
    model.save(path)
    lamina.models.load_model(path)  # warm up imports, so memory checks see only the load
    return Original(path.read_bytes(), ".keras archive")


@pytest.fixture(scope="module")
def weights_file(workdir):
    path = workdir / "valid.weights.h5"
    small_sequential().save_weights(path)
    load_weights_into_fresh_model(path)
    return Original(path.read_bytes(), ".weights.h5 file")


def load_weights_into_fresh_model(path):
    small_sequential().load_weights(path)


def load_weights_from_archive(path):
    small_functional().load_weights(path)


def members(archive_bytes):
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def repacked(archive_bytes, name, data):
    """The archive with member ``name`` replaced by ``data`` (so its CRC matches again)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for member, content in members(archive_bytes).items():
            out.writestr(member, data if member == name else content)
    return buffer.getvalue()


@fuzz(80)
@given(data=st.data())
def test_damaged_keras_archives_fail_cleanly(workdir, keras_file, data):
    path = write(workdir / "damaged.keras", damage(keras_file, data.draw(edits(keras_file), label="edits")))
    loads_cleanly(lamina.models.load_model, path, SavingError)


@fuzz(50)
@given(data=st.data())
def test_load_weights_from_damaged_keras_archives_fails_cleanly(workdir, keras_file, data):
    path = write(workdir / "weights-from.keras", damage(keras_file, data.draw(edits(keras_file), label="edits")))
    loads_cleanly(load_weights_from_archive, path, SavingError)


@fuzz(80)
@given(data=st.data())
def test_keras_archives_with_damaged_weights_fail_cleanly(workdir, keras_file, data):
    weights = members(keras_file)["model.weights.h5"]
    changed = damage(weights, data.draw(edits(weights), label="edits of model.weights.h5"))
    path = write(workdir / "weights.keras", repacked(keras_file, "model.weights.h5", changed))
    loads_cleanly(lamina.models.load_model, path, SavingError)


@fuzz(60)
@given(data=st.data())
def test_keras_archives_with_damaged_config_bytes_fail_cleanly(workdir, keras_file, data):
    config = members(keras_file)["config.json"]
    changed = damage(config, data.draw(edits(config), label="edits of config.json"))
    path = write(workdir / "bytes.keras", repacked(keras_file, "config.json", changed))
    loads_cleanly(lamina.models.load_model, path, LaminaError)


# Values of the wrong type (or out of range) in place of any config value. Numbers stay
# small: a config that really asks for a billion-unit layer gets one, as in Keras.
_JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.sampled_from([0.5, -1.0, 1e300, float("nan"), float("inf")]),
    st.sampled_from(["", "x", "relu", "Dense", "input_layer", "__keras_tensor__", "keras.layers"]),
    st.builds(list),
    st.builds(dict),
    st.lists(st.integers(-1, 5) | st.none(), max_size=3),
    st.dictionaries(st.sampled_from(["config", "class_name", "name"]), st.none() | st.text(max_size=3), max_size=2),
)
_DELETE = "<delete>"


def json_paths(node, path=()):
    yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield from json_paths(child, (*path, key))


def config_edits(config):
    """1-3 (path, new value or _DELETE) pairs over the paths of ``config``."""
    paths = list(json_paths(config))[1:]
    return st.lists(st.tuples(st.sampled_from(paths), st.just(_DELETE) | _JSON_VALUES), min_size=1, max_size=3)


def edit_config(config, changes):
    config = json.loads(json.dumps(config))
    for path, value in changes:
        parent = config
        try:
            for key in path[:-1]:
                parent = parent[key]
            if value == _DELETE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(value)  # drawn values may be shared objects
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this path
    return json.dumps(config).encode()


@fuzz(100)
@given(data=st.data())
def test_keras_archives_with_malformed_configs_fail_cleanly(workdir, keras_file, data):
    config = json.loads(members(keras_file)["config.json"])
    changed = edit_config(config, data.draw(config_edits(config), label="config edits"))
    path = write(workdir / "config.keras", repacked(keras_file, "config.json", changed))
    loads_cleanly(lamina.models.load_model, path, LaminaError)


@fuzz(150)
@given(data=st.data())
def test_damaged_weights_files_fail_cleanly(workdir, weights_file, data):
    path = write(workdir / "damaged.weights.h5", damage(weights_file, data.draw(edits(weights_file), label="edits")))
    loads_cleanly(load_weights_into_fresh_model, path, SavingError)


def test_the_valid_files_load(workdir, keras_file, weights_file, mnist_home):
    """The fuzzers start from files that load: a broken seed file would make them vacuous."""
    assert read_idx(write(workdir / "ok-idx3-ubyte", IDX_PLAIN)).shape == (3, 4, 5)
    assert read_idx(write(workdir / "ok-idx3-ubyte.gz", IDX_GZIP)).shape == (3, 4, 5)
    for original in (NPZ_PLAIN, NPZ_COMPRESSED):
        write(mnist_home, original)
        (x_train, _), (x_test, _) = load_mnist_unchecked(mnist_home)
        assert x_train.shape == (6, 5, 5) and x_test.shape == (3, 5, 5)
    ragged = load_npz(write(workdir / "ok.npz", NPZ_RAGGED))["x_train"]
    assert [list(sequence) for sequence in ragged] == [[1, 2, 3], [4], [5, 6]]
    model = lamina.models.load_model(write(workdir / "ok.keras", keras_file))
    assert model.predict(np.ones((1, 4), np.float32), verbose=0).shape == (1, 2)
    load_weights_into_fresh_model(write(workdir / "ok.weights.h5", weights_file))
    load_weights_from_archive(workdir / "ok.keras")


def test_lamina_hdf5_files_have_checksummed_metadata_and_fixed_length_strings(workdir, keras_file, weights_file):
    """What keeps damaged lamina files from hanging HDF5 (see lamina/saving/h5_writing.py):
    superblock version 2+ (checksummed metadata) and no variable-length string attributes."""
    import h5py

    from lamina.saving.training_state import write_training_state

    model = small_functional()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(np.ones((4, 4), np.float32), np.array([0, 1, 0, 1]), epochs=1, verbose=0)
    write_training_state(workdir / "state.h5", model, 1, 0, None, [lamina.callbacks.EarlyStopping()])
    files = {
        "weights": bytes(weights_file),
        "keras": members(keras_file)["model.weights.h5"],
        "backup": (workdir / "state.h5").read_bytes(),
    }
    for name, data in files.items():
        assert data[:8] == b"\x89HDF\r\n\x1a\n" and data[8] >= 2, f"{name}: superblock version {data[8]}"
        variable = []
        with h5py.File(io.BytesIO(data), "r") as handle:
            objects = [handle]
            handle.visit(lambda key: objects.append(handle[key]))  # noqa: B023
            for obj in objects:
                for key in obj.attrs:
                    info = h5py.check_string_dtype(obj.attrs.get_id(key).dtype)
                    if info is not None and info.length is None:
                        variable.append(f"{obj.name}@{key}")
        assert not variable, f"{name}: variable-length string attributes {variable}"
