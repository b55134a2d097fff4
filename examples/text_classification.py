"""Text classification from raw strings, with ``TextVectorization`` inside the model.

The reviews are a small synthetic corpus (lamina's IMDB loader needs the network): each
sentence mixes neutral words with a few positive or negative ones. The model takes raw
strings (``Input(dtype="string")``), vectorizes them on the host, embeds the ids on the
device and classifies. It is saved to ``.keras`` with its vocabulary (Keras's
``assets/.../vocabulary.txt``), loaded back, and predicts on new raw strings.

Run:  python examples/text_classification.py      (LAMINA_EXAMPLE_QUICK=1 for a quick run)
"""

import os
import tempfile

import numpy as np

import lamina
from lamina import layers

QUICK = os.environ.get("LAMINA_EXAMPLE_QUICK") == "1"
POSITIVE = "great wonderful superb moving brilliant funny charming delightful".split()
NEGATIVE = "awful boring dull terrible clumsy tedious bland painful".split()
NEUTRAL = "the movie film plot actor scene story was and a it this with of director music ending".split()


def make_reviews(count, seed):
    """``count`` synthetic reviews (strings) and their labels (1 positive, 0 negative)."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(count):
        label = int(rng.integers(2))
        words = list(rng.choice(NEUTRAL, size=rng.integers(6, 14)))
        for _ in range(rng.integers(1, 4)):
            words.insert(int(rng.integers(len(words) + 1)), str(rng.choice(POSITIVE if label else NEGATIVE)))
        texts.append(" ".join(words).capitalize() + rng.choice([".", "!", "..."]))
        labels.append(label)
    return np.array(texts), np.array(labels)


def main():
    x_train, y_train = make_reviews(400 if QUICK else 4000, seed=0)
    x_test, y_test = make_reviews(100 if QUICK else 1000, seed=1)
    print("a review:", x_train[0])

    vectorize = layers.TextVectorization(max_tokens=200, output_sequence_length=20)
    vectorize.adapt(x_train)
    print("vocabulary size:", vectorize.vocabulary_size())

    inputs = lamina.Input(shape=(1,), dtype="string")
    x = vectorize(inputs)
    x = layers.Embedding(200, 16)(x)
    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer=lamina.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train[:, None], y_train, epochs=10, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(x_test[:, None], y_test, verbose=0)
    print(f"test accuracy: {accuracy:.3f}")

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "text_classifier.keras")
        model.save(path)
        loaded = lamina.saving.load_model(path)
    new = np.array([["A wonderful and moving film!"], ["Dull, tedious plot."]])
    before, after = model.predict(new, verbose=0), loaded.predict(new, verbose=0)
    print("same vocabulary after loading:", loaded.layers[1].get_vocabulary() == vectorize.get_vocabulary())
    print("reloaded from .keras, same predictions:", bool(np.allclose(before, after, atol=1e-6)))
    for text, score in zip(new[:, 0], after[:, 0]):
        print(f"  {score:.2f}  {text}")


if __name__ == "__main__":
    main()
