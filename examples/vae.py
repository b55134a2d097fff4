"""Variational autoencoder on Fashion-MNIST: Keras's VAE example, on lamina.

The encoder maps an image to ``z_mean`` and ``z_log_var``, a ``Sampling`` layer draws
``z`` from them, and the decoder maps ``z`` back to an image. ``VAE.train_step`` does its
own forward and backward passes with ``self.optimizer`` and keeps three ``Mean``
trackers; ``fit`` runs it with its usual progress bar, callbacks and History.

Run:  python examples/vae.py      (LAMINA_EXAMPLE_QUICK=1 for a few seconds' run)
"""

import os

import numpy as np
import torch

import lamina as keras
from lamina import layers

QUICK = os.environ.get("LAMINA_EXAMPLE_QUICK") == "1"
LATENT_DIM = 2


class Sampling(layers.Layer):
    """Draw ``z = z_mean + exp(z_log_var / 2) * epsilon`` with ``epsilon ~ N(0, 1)``."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = torch.randn_like(z_mean)
        return z_mean + torch.exp(0.5 * z_log_var) * epsilon


def build_encoder():
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(LATENT_DIM, name="z_mean")(x)
    z_log_var = layers.Dense(LATENT_DIM, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    return keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")


def build_decoder():
    latent_inputs = keras.Input(shape=(LATENT_DIM,))
    x = layers.Dense(7 * 7 * 64, activation="relu")(latent_inputs)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    return keras.Model(latent_inputs, outputs, name="decoder")


class VAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def train_step(self, data):
        z_mean, z_log_var, z = self.encoder(data, training=True)
        reconstruction = self.decoder(z, training=True)
        reconstruction_loss = keras.losses.binary_crossentropy(data, reconstruction).sum(dim=(1, 2)).mean()
        kl_loss = -0.5 * (1 + z_log_var - z_mean.square() - z_log_var.exp())
        kl_loss = kl_loss.sum(dim=1).mean()
        total_loss = reconstruction_loss + kl_loss

        self.optimizer.zero_grad()
        total_loss.backward()
        self.optimizer.step()

        self.total_loss_tracker.update_state(total_loss.detach())
        self.reconstruction_loss_tracker.update_state(reconstruction_loss.detach())
        self.kl_loss_tracker.update_state(kl_loss.detach())
        return {m.name: m.result() for m in self.metrics}


def load_images(count):
    (x_train, _), (x_test, _) = keras.datasets.fashion_mnist.load_data()
    images = np.concatenate([x_train, x_test])[:count]
    return np.expand_dims(images, -1).astype("float32") / 255.0


def main():
    keras.utils.set_random_seed(0)
    images = load_images(512 if QUICK else 70000)
    vae = VAE(build_encoder(), build_decoder())
    vae.compile(optimizer=keras.optimizers.Adam())
    history = vae.fit(images, epochs=1 if QUICK else 30, batch_size=128, verbose=0 if QUICK else "auto")
    for name, values in history.history.items():
        print(f"{name}: {' '.join(f'{v:.2f}' for v in values)}")
    z_mean, _, _ = vae.encoder.predict(images[:256], verbose=0)
    print(f"latent means of 256 images: mean {z_mean.mean(axis=0).round(2)}, std {z_mean.std(axis=0).round(2)}")
    assert set(history.history) == {"total_loss", "reconstruction_loss", "kl_loss"}


if __name__ == "__main__":
    main()
