"""The table of string-layer cases that lamina and real Keras both run
(tests/layers/test_string_layers_keras_oracle.py; Keras's side is tests/scripts/keras_string_oracle.py).

A case: ``layer`` (the class name), ``config`` (constructor arguments, JSON), ``adapt``
(``{"as": "array" | "list" | "generator", "batches": [...]}`` or None) and ``inputs``
(``{"values", "dtype"}``, or a list of them for HashedCrossing).
"""

import numpy as np

DOCS = [
    "The cat sat on the mat.",
    "The dog ate my homework!",
    "A cat, a dog; and a bird?",
    "Ça va? Très BIEN, merci.",
    "the the THE cat",
]
QUERIES = ["the cat ate the bird", "zebra crossing", "Ça va très bien", "", "DOG, cat & mouse!"]
WORDS = ["cat", "dog", "the"]
TOKENS = ["a", "b", "b", "c", "c", "c", "d", "d", "e"]
LETTERS = ["a", "b", "c", "d"]
INTS = [12, 36, 1138, 42]
# The inputs of Keras's docstring examples.
LETTER_ROWS = [["a", "c", "d"], ["d", "z", "b"]]
LETTER_ROWS_4 = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
INT_ROWS = [[12, 1138, 42], [42, 1000, 36]]
ID_ROWS = [[1, 3, 4], [4, 0, 2]]
# Strings of every FarmHash length branch (0-16, 17-32, 33-64, 65+ bytes), one not ASCII.
LONG_STRINGS = ["", "short", "x" * 17, "seventeen-or-more-bytes-long", "y" * 40, "z" * 70, "é" * 90]


def strings(values):
    return {"values": values, "dtype": "string"}


def ints(values):
    return {"values": values, "dtype": "int64"}


def adapt(batches, kind="array"):
    return {"as": kind, "batches": batches}


def case(case_id, layer, config, inputs, adapt_from=None):
    return {"id": case_id, "layer": layer, "config": config, "adapt": adapt_from, "inputs": inputs}


TEXT = "TextVectorization"
TEXT_CASES = [
    case("tv_default", TEXT, {}, strings(QUERIES), adapt([DOCS])),
    case("tv_max_tokens_sequence", TEXT, {"max_tokens": 6, "output_sequence_length": 4},
         strings([[q] for q in QUERIES]), adapt([DOCS], "list")),
    case("tv_long_sequence", TEXT, {"output_sequence_length": 9}, strings(QUERIES), adapt([DOCS])),
    case("tv_lower", TEXT, {"standardize": "lower"}, strings(QUERIES), adapt([DOCS[:2], DOCS[2:]], "generator")),
    case("tv_strip", TEXT, {"standardize": "strip_punctuation"}, strings(QUERIES), adapt([DOCS])),
    case("tv_characters", TEXT, {"standardize": None, "split": "character", "output_sequence_length": 12},
         strings(QUERIES), adapt([DOCS])),
    case("tv_no_split", TEXT, {"split": None}, strings(QUERIES + ["the cat sat on the mat"]), adapt([DOCS])),
    case("tv_no_split_column", TEXT, {"split": None, "standardize": None}, strings([[q] for q in QUERIES]),
         adapt([[[q] for q in QUERIES + QUERIES[:2]]])),
    case("tv_no_split_sequence", TEXT, {"split": None, "output_sequence_length": 3},
         strings([[q] for q in QUERIES]), adapt([DOCS])),
    case("tv_no_split_count", TEXT, {"split": None, "output_mode": "count"}, strings(QUERIES), adapt([QUERIES])),
    case("tv_ngrams", TEXT, {"ngrams": 2}, strings(QUERIES), adapt([DOCS])),
    case("tv_ngrams_widths", TEXT, {"ngrams": [1, 3], "max_tokens": 12}, strings(QUERIES), adapt([DOCS])),
    case("tv_adapt_column", TEXT, {}, strings(QUERIES), adapt([[[d] for d in DOCS]])),
    case("tv_multi_hot", TEXT, {"output_mode": "multi_hot"}, strings(QUERIES), adapt([DOCS])),
    case("tv_count", TEXT, {"output_mode": "count", "max_tokens": 8}, strings(QUERIES), adapt([DOCS])),
    case("tv_count_ngrams", TEXT, {"output_mode": "count", "ngrams": 2}, strings(QUERIES), adapt([DOCS])),
    case("tv_tf_idf", TEXT, {"output_mode": "tf_idf"}, strings(QUERIES), adapt([DOCS])),
    case("tv_tf_idf_generator", TEXT, {"output_mode": "tf_idf", "max_tokens": 10}, strings(QUERIES),
         adapt([DOCS[:3], DOCS[3:]], "generator")),
    case("tv_multi_hot_padded", TEXT, {"output_mode": "multi_hot", "max_tokens": 20, "pad_to_max_tokens": True},
         strings(QUERIES), adapt([DOCS])),
    case("tv_vocabulary", TEXT, {"vocabulary": WORDS, "output_sequence_length": 5}, strings(QUERIES)),
    case("tv_vocabulary_count", TEXT, {"vocabulary": WORDS, "output_mode": "count"}, strings(QUERIES)),
    case("tv_vocabulary_tf_idf", TEXT,
         {"vocabulary": WORDS, "output_mode": "tf_idf", "idf_weights": [0.5, 1.0, 1.5]}, strings(QUERIES)),
    case("tv_docstring", TEXT, {"max_tokens": 5000, "output_sequence_length": 4},
         strings([["foo qux bar"], ["qux baz"]]), adapt([["foo bar", "bar baz", "baz bada boom"]])),
]

LOOKUP = "StringLookup"
STRING_LOOKUP_CASES = [
    case("sl_adapt", LOOKUP, {}, strings([["a", "q"], ["c", "e"]]), adapt([TOKENS])),
    case("sl_adapt_list", LOOKUP, {"max_tokens": 4}, strings([["a", "q"], ["c", "e"]]), adapt([TOKENS], "list")),
    case("sl_adapt_generator", LOOKUP, {}, strings(["e", "b", "x"]), adapt([TOKENS[:4], TOKENS[4:]], "generator")),
    case("sl_mask", LOOKUP, {"mask_token": "", "vocabulary": LETTERS}, strings([["a", ""], ["", "q"]])),
    case("sl_mask_adapt", LOOKUP, {"mask_token": "[MASK]"}, strings([["a", "[MASK]", "q"]]),
         adapt([TOKENS + ["[MASK]", "[MASK]"]])),
    case("sl_two_oov", LOOKUP, {"num_oov_indices": 2, "vocabulary": LETTERS},
         strings([["a", "q", "zz"], ["hello", "d", "b"]])),
    case("sl_salted_oov", LOOKUP, {"num_oov_indices": 3, "salt": [7, 9], "vocabulary": LETTERS},
         strings([["q", "zz", "hello", "a"]])),
    case("sl_no_oov", LOOKUP, {"num_oov_indices": 0, "vocabulary": LETTERS}, strings([["a", "d"], ["c", "b"]])),
    case("sl_no_oov_refuses", LOOKUP, {"num_oov_indices": 0, "vocabulary": LETTERS}, strings([["a", "q"]])),
    case("sl_invert", LOOKUP, {"vocabulary": LETTERS, "invert": True}, ints([[1, 2], [0, 4]])),
    case("sl_invert_mask", LOOKUP, {"vocabulary": LETTERS, "invert": True, "mask_token": "[MASK]"},
         ints([[0, 1, 2, 5]])),
    case("sl_one_hot", LOOKUP, {"vocabulary": LETTERS, "output_mode": "one_hot"}, strings(["a", "q", "d"])),
    case("sl_multi_hot", LOOKUP, {"vocabulary": LETTERS, "output_mode": "multi_hot"},
         strings([["a", "b", "a"], ["q", "d", "d"]])),
    case("sl_multi_hot_mask", LOOKUP, {"vocabulary": LETTERS, "output_mode": "multi_hot", "mask_token": ""},
         strings([["a", "", "q"], ["", "", "c"]])),
    case("sl_count", LOOKUP, {"vocabulary": LETTERS, "output_mode": "count"}, strings([["a", "b", "a"], ["q", "d", "q"]])),
    case("sl_count_padded", LOOKUP, {"vocabulary": LETTERS, "output_mode": "count", "max_tokens": 8,
                                     "pad_to_max_tokens": True}, strings([["a", "b", "a"], ["q", "d", "q"]])),
    case("sl_tf_idf_rows", LOOKUP, {"output_mode": "tf_idf"}, strings([["a", "b", "a"], ["q", "d", "d"]]),
         adapt([[["a", "b", "c"], ["c", "c", "d"], ["e", "a", "a"]]])),
    case("sl_tf_idf_flat", LOOKUP, {"output_mode": "tf_idf"}, strings([["a", "b", "a"], ["q", "d", "d"]]),
         adapt([TOKENS])),
    case("sl_tf_idf_generator", LOOKUP, {"output_mode": "tf_idf"}, strings([["a", "b", "a"], ["q", "d", "d"]]),
         adapt([TOKENS[:4], TOKENS[4:]], "generator")),
    case("sl_tf_idf_vocabulary", LOOKUP, {"output_mode": "tf_idf", "vocabulary": LETTERS,
                                          "idf_weights": [0.25, 0.5, 0.75, 1.0]},
         strings([["a", "b", "a"], ["q", "d", "d"]])),
    case("sl_docstring", LOOKUP, {"vocabulary": LETTERS}, strings(LETTER_ROWS)),
    case("sl_docstring_adapt", LOOKUP, {}, strings(LETTER_ROWS), adapt([LETTER_ROWS])),
    case("sl_docstring_two_oov", LOOKUP, {"vocabulary": LETTERS, "num_oov_indices": 2},
         strings([["a", "c", "d"], ["m", "z", "b"]])),
    case("sl_docstring_one_hot", LOOKUP, {"vocabulary": LETTERS, "output_mode": "one_hot"},
         strings(["a", "b", "c", "d", "z"])),
    case("sl_docstring_multi_hot", LOOKUP, {"vocabulary": LETTERS, "output_mode": "multi_hot"}, strings(LETTER_ROWS_4)),
    case("sl_docstring_count", LOOKUP, {"vocabulary": LETTERS, "output_mode": "count"}, strings(LETTER_ROWS_4)),
    case("sl_docstring_tf_idf", LOOKUP, {"vocabulary": LETTERS, "output_mode": "tf_idf",
                                         "idf_weights": [0.25, 0.75, 0.6, 0.4]}, strings(LETTER_ROWS_4)),
    case("sl_docstring_tf_idf_oov", LOOKUP, {"vocabulary": ["[UNK]"] + LETTERS, "output_mode": "tf_idf",
                                             "idf_weights": [0.9, 0.25, 0.75, 0.6, 0.4]}, strings(LETTER_ROWS_4)),
    case("sl_docstring_invert", LOOKUP, {"vocabulary": LETTERS, "invert": True}, ints(ID_ROWS)),
]

INTEGER = "IntegerLookup"
INTEGER_LOOKUP_CASES = [
    case("il_vocabulary", INTEGER, {"vocabulary": INTS}, ints([[12, 1138, 42], [42, 1000, 36]])),
    case("il_adapt", INTEGER, {}, ints([[12, 1138, 42], [42, 1000, 36]]),
         adapt([[12, 36, 36, 42, 42, 42, 7, 1138, 1138]])),
    case("il_adapt_generator", INTEGER, {"max_tokens": 4}, ints([[12, 7, 42]]),
         adapt([[12, 36, 36, 42], [42, 42, 7, 7]], "generator")),
    case("il_mask", INTEGER, {"vocabulary": INTS, "mask_token": 0}, ints([[12, 0, 5], [0, 0, 36]])),
    case("il_two_oov", INTEGER, {"vocabulary": INTS, "num_oov_indices": 2}, ints([[12, 5, 6, -7, 1000]])),
    case("il_farmhash_oov", INTEGER, {"vocabulary": INTS, "num_oov_indices": 3, "oov_method": "farmhash"},
         ints([[12, 5, 6, -7, 1000]])),
    case("il_farmhash_salt", INTEGER, {"vocabulary": INTS, "num_oov_indices": 3, "oov_method": "farmhash",
                                       "salt": 5}, ints([[12, 5, 6, -7, 1000]])),
    case("il_invert", INTEGER, {"vocabulary": INTS, "invert": True}, ints([[1, 2], [0, 4]])),
    case("il_one_hot", INTEGER, {"vocabulary": INTS, "output_mode": "one_hot"}, ints([12, 5, 42])),
    case("il_multi_hot", INTEGER, {"vocabulary": INTS, "output_mode": "multi_hot"}, ints([[12, 5, 12], [42, 36, 7]])),
    case("il_count", INTEGER, {"vocabulary": INTS, "output_mode": "count"}, ints([[12, 5, 12], [42, 36, 7]])),
    case("il_tf_idf", INTEGER, {"output_mode": "tf_idf"}, ints([[12, 5, 12], [42, 36, 7]]),
         adapt([[[12, 36, 42], [42, 42, 7], [12, 12, 1138]]])),
    case("il_docstring_adapt", INTEGER, {}, ints(INT_ROWS), adapt([INT_ROWS])),
    case("il_docstring_two_oov", INTEGER, {"vocabulary": INTS, "num_oov_indices": 2},
         ints([[12, 1138, 42], [37, 1000, 36]])),
    case("il_docstring_mask", INTEGER, {"vocabulary": INTS, "mask_token": 0}, ints([[12, 0]])),
    case("il_docstring_invert", INTEGER, {"vocabulary": INTS, "invert": True}, ints(ID_ROWS)),
]

HASHING = "Hashing"
HASHING_CASES = [
    case("h_strings", HASHING, {"num_bins": 3}, strings([["A"], ["B"], ["C"], ["D"], ["E"]])),
    case("h_long_strings", HASHING, {"num_bins": 1000}, strings(LONG_STRINGS)),
    case("h_mask", HASHING, {"num_bins": 3, "mask_value": ""}, strings([["A"], ["B"], [""], ["C"], ["D"]])),
    case("h_salt_pair", HASHING, {"num_bins": 3, "salt": [133, 137]}, strings([["A"], ["B"], ["C"], ["D"], ["E"]])),
    case("h_salt_int", HASHING, {"num_bins": 1000, "salt": 133}, strings(LONG_STRINGS)),
    case("h_salt_int_docstring", HASHING, {"num_bins": 3, "salt": 133}, strings([["A"], ["B"], ["C"], ["D"], ["E"]])),
    case("h_ints", HASHING, {"num_bins": 7}, ints([[12], [345], [-3], [0]])),
    case("h_int_mask", HASHING, {"num_bins": 5, "mask_value": 0}, ints([[12, 0], [0, 345]])),
    case("h_one_hot", HASHING, {"num_bins": 4, "output_mode": "one_hot"}, strings(["A", "B", "C"])),
    case("h_multi_hot", HASHING, {"num_bins": 4, "output_mode": "multi_hot"}, strings([["A", "B"], ["C", "C"]])),
    case("h_count", HASHING, {"num_bins": 4, "output_mode": "count"}, strings([["A", "B"], ["C", "C"]])),
    case("h_multi_hot_docstring", HASHING, {"num_bins": 3, "output_mode": "multi_hot"},
         strings([["A"], ["B"], ["C"], ["D"], ["E"]])),
]

CROSSING = "HashedCrossing"
feature_a, feature_b = ["A", "B", "A", "B", "A"], [101, 101, 101, 102, 102]
HASHED_CROSSING_CASES = [
    case("hc_strings_ints", CROSSING, {"num_bins": 5}, [strings(feature_a), ints(feature_b)]),
    case("hc_ints", CROSSING, {"num_bins": 100}, [ints([1, -2, 3, 0, 2**40]), ints(feature_b)]),
    case("hc_three", CROSSING, {"num_bins": 1000}, [strings(LONG_STRINGS[:5]), ints(feature_b), strings(feature_a)]),
    case("hc_column", CROSSING, {"num_bins": 5}, [strings([[a] for a in feature_a]), ints([[b] for b in feature_b])]),
    case("hc_one_hot", CROSSING, {"num_bins": 5, "output_mode": "one_hot"}, [strings(feature_a), ints(feature_b)]),
]

CASES = (TEXT_CASES + STRING_LOOKUP_CASES + INTEGER_LOOKUP_CASES + HASHING_CASES + HASHED_CROSSING_CASES)

# Models saved by one library and loaded by the other: Input(string) -> TextVectorization
# -> (Embedding -> GlobalAveragePooling1D for ids) -> Dense.
FILE_MODELS = [
    {"id": "int", "vectorize": {"max_tokens": 30, "output_sequence_length": 6}, "embedding": 30},
    {"id": "tf_idf", "vectorize": {"max_tokens": 30, "output_mode": "tf_idf"}, "embedding": None},
    {"id": "multi_hot_ngrams", "vectorize": {"max_tokens": 30, "output_mode": "multi_hot", "ngrams": 2},
     "embedding": None},
]
for spec in FILE_MODELS:
    spec["adapt"] = DOCS
    spec["inputs"] = strings([[q] for q in QUERIES])


def layer_arguments(config):
    """A case's JSON config as constructor arguments (JSON has no tuples: ngrams widths)."""
    config = dict(config)
    if isinstance(config.get("ngrams"), list):
        config["ngrams"] = tuple(config["ngrams"])
    return config


def host_input(spec):
    """A case's inputs as NumPy arrays (a tuple of them for several features)."""
    if isinstance(spec, list):
        return tuple(host_input(s) for s in spec)
    return np.array(spec["values"], dtype=str if spec["dtype"] == "string" else spec["dtype"])


def adapt_source(spec):
    """A case's adapt data as the kind it names: one array, one list, or a generator of arrays."""
    if spec["as"] == "list":
        return spec["batches"][0]
    batches = [np.array(b, dtype=str if isinstance(_first(b), str) else None) for b in spec["batches"]]
    if spec["as"] == "array":
        return batches[0]
    return (b for b in batches)


def _first(value):
    while isinstance(value, list) and value:
        value = value[0]
    return value
