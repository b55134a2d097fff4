"""``TextVectorization.adapt`` on an IMDB-sized corpus: lamina vs Keras 3 (and plain Python).

The corpus is synthetic and offline: 25,000 reviews of ~230 words each (as IMDB's training
split), words drawn from a Zipfian vocabulary of 80,000 types, with capitals and
punctuation for the standardization to strip. Each round times lamina's
``TextVectorization(max_tokens=20000).adapt`` in this process, then Keras's in a worker
process (Keras needs TensorFlow for this layer; TensorFlow never loads beside lamina),
alternately, so drifts in machine speed hit both alike. The report gives each one's median
and spread over the rounds, the ratio of the medians, whether the two vocabularies are the
same, and a plain-Python reference (``re`` + ``collections.Counter``): the floor any Python
implementation can reach.

Run:  python benchmarks/text_vectorization_adapt.py [--docs 25000] [--rounds 3] [--quick]
"""

import argparse
import collections
import hashlib
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np

MAX_TOKENS = 20_000


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


def fingerprint(vocabulary):
    return hashlib.sha256("\n".join(str(t) for t in vocabulary).encode("utf-8")).hexdigest()[:16]


def keras_worker(docs):
    """Wait for a line on stdin, time one Keras adapt, print "seconds fingerprint"; repeat."""
    os.environ["KERAS_BACKEND"] = "torch"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    texts = corpus(docs)
    print("ready", flush=True)
    for _ in sys.stdin:
        layer = keras.layers.TextVectorization(max_tokens=MAX_TOKENS)
        start = time.perf_counter()
        layer.adapt(texts)
        seconds = time.perf_counter() - start
        print(f"{seconds:.4f} {fingerprint(layer.get_vocabulary())}", flush=True)


def start_keras_worker(docs):
    if importlib.util.find_spec("keras") is None or importlib.util.find_spec("tensorflow") is None:
        return None
    worker = subprocess.Popen(
        [sys.executable, __file__, "--keras-worker", "--docs", str(docs)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    if worker.stdout.readline().strip() != "ready":
        raise RuntimeError("the Keras worker did not start (run it with --keras-worker to see why)")
    return worker


def keras_round(worker):
    worker.stdin.write("go\n")
    worker.stdin.flush()
    seconds, vocabulary = worker.stdout.readline().split()
    return float(seconds), vocabulary


def summary(times):
    return f"median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f})"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=25_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a smoke test: 1,000 documents, 1 round")
    parser.add_argument("--keras-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.docs, args.rounds = 1_000, 1
    if args.keras_worker:
        return keras_worker(args.docs)
    texts = corpus(args.docs)
    words = sum(len(t.split()) for t in texts)
    print(f"corpus: {len(texts)} documents, {words} words ({words / len(texts):.0f} per document)")

    import lamina

    worker = start_keras_worker(args.docs)
    ours, theirs, vocabularies = [], [], set()
    for round_index in range(args.rounds):
        layer = lamina.layers.TextVectorization(max_tokens=MAX_TOKENS)
        start = time.perf_counter()
        layer.adapt(texts)
        ours.append(time.perf_counter() - start)
        line = f"round {round_index + 1}: lamina {ours[-1]:.2f} s"
        if worker is not None:
            seconds, vocabulary = keras_round(worker)
            theirs.append(seconds)
            vocabularies.add(vocabulary)
            line += f", Keras {seconds:.2f} s"
        print(line, flush=True)
    print(f"lamina TextVectorization.adapt:  {summary(ours)} (vocabulary {layer.vocabulary_size()})")
    if worker is None:
        print("Keras 3 TextVectorization.adapt: not measured (Keras needs TensorFlow for this layer; not installed)")
    else:
        worker.stdin.close()
        worker.wait(timeout=60)
        print(f"Keras 3 TextVectorization.adapt: {summary(theirs)}")
        print(f"lamina / Keras (medians): {statistics.median(ours) / statistics.median(theirs):.2f}x")
        print(f"same vocabulary as Keras: {vocabularies == {fingerprint(layer.get_vocabulary())}}")
    start = time.perf_counter()
    plain_python(texts, MAX_TOKENS)
    print(f"plain Python (re + Counter):     {time.perf_counter() - start:.2f} s (one run)")


if __name__ == "__main__":
    main()
