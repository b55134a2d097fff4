"""``TextVectorization.adapt`` on an IMDB-sized corpus: lamina vs Keras 3 (and plain Python).

The corpus is synthetic and offline: 25,000 reviews of ~230 words each (as IMDB's training
split), words drawn from a Zipfian vocabulary of 80,000 types, with capitals and
punctuation for the standardization to strip. One run each (``adapt`` is a single pass):
lamina's ``TextVectorization(max_tokens=20000).adapt``, Keras's (only where TensorFlow is
installed: Keras needs it for this layer), and a plain-Python reference (``re`` +
``collections.Counter``) that is the floor any Python implementation can reach.

Run:  python benchmarks/text_vectorization_adapt.py [--docs 25000]
"""

import argparse
import collections
import importlib.util
import os
import re
import time

import numpy as np


def corpus(docs, words_per_doc=230, vocabulary=80_000, seed=0):
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, vocabulary + 1)
    p = 1.0 / ranks
    p /= p.sum()
    types = np.array([f"w{i}" for i in range(vocabulary)], dtype=object)
    types[rng.choice(vocabulary, 2000, replace=False)] = [f"W{i}," for i in range(2000)]  # capitals, punctuation
    lengths = rng.poisson(words_per_doc, size=docs)
    tokens = rng.choice(vocabulary, size=int(lengths.sum()), p=p)
    out, start = [], 0
    for n in lengths:
        out.append(" ".join(types[tokens[start : start + n]]) + ".")
        start += n
    return np.array(out)


def plain_python(texts, max_tokens):
    strip = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
    counts = collections.Counter()
    for text in texts:
        counts.update(strip.sub("", text.lower()).split())
    return [t for t, _ in counts.most_common(max_tokens - 2)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=25_000)
    args = parser.parse_args()
    texts = corpus(args.docs)
    words = sum(len(t.split()) for t in texts)
    print(f"corpus: {len(texts)} documents, {words} words ({words / len(texts):.0f} per document)")

    import lamina

    layer = lamina.layers.TextVectorization(max_tokens=20_000)
    start = time.perf_counter()
    layer.adapt(texts)
    ours = time.perf_counter() - start
    print(f"lamina TextVectorization.adapt: {ours:.2f} s (vocabulary {layer.vocabulary_size()})")

    start = time.perf_counter()
    plain_python(texts, 20_000)
    print(f"plain Python (re + Counter):    {time.perf_counter() - start:.2f} s")

    if importlib.util.find_spec("keras") and importlib.util.find_spec("tensorflow"):
        os.environ.setdefault("KERAS_BACKEND", "torch")
        import keras

        keras_layer = keras.layers.TextVectorization(max_tokens=20_000)
        start = time.perf_counter()
        keras_layer.adapt(texts)
        theirs = time.perf_counter() - start
        print(f"Keras 3 TextVectorization.adapt: {theirs:.2f} s -> lamina / Keras = {ours / theirs:.2f}x")
        same = keras_layer.get_vocabulary() == layer.get_vocabulary()
        print(f"same vocabulary as Keras: {same}")
    else:
        print("Keras 3 TextVectorization.adapt: not measured (Keras needs TensorFlow for this layer; not installed)")


if __name__ == "__main__":
    main()
