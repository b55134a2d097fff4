"""A DCGAN on Fashion-MNIST whose whole GAN loop lives in ``train_step``.

Keras's "GAN overriding Model.train_step" example on lamina: the model holds a
discriminator, a generator and one optimizer for each; a custom ``compile`` takes them,
``train_step`` alternates a discriminator step and a generator step, and ``fit`` runs it
with a callback that samples images at the end of each epoch.

Run:  python examples/dcgan.py      (LAMINA_EXAMPLE_QUICK=1 for a few seconds' run)
"""

import os

import numpy as np
import torch

import lamina as keras
from lamina import layers

QUICK = os.environ.get("LAMINA_EXAMPLE_QUICK") == "1"
LATENT_DIM = 32 if QUICK else 128
WIDTH = 16 if QUICK else 64  # filters of the first convolution


def build_discriminator():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(WIDTH, 3, strides=2, padding="same", activation="leaky_relu"),
            layers.Conv2D(2 * WIDTH, 3, strides=2, padding="same", activation="leaky_relu"),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ],
        name="discriminator",
    )


def build_generator():
    return keras.Sequential(
        [
            keras.Input(shape=(LATENT_DIM,)),
            layers.Dense(7 * 7 * 2 * WIDTH, activation="leaky_relu"),
            layers.Reshape((7, 7, 2 * WIDTH)),
            layers.Conv2DTranspose(2 * WIDTH, 4, strides=2, padding="same", activation="leaky_relu"),
            layers.Conv2DTranspose(2 * WIDTH, 4, strides=2, padding="same", activation="leaky_relu"),
            layers.Conv2D(1, 7, padding="same", activation="sigmoid"),
        ],
        name="generator",
    )


class GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def train_step(self, real_images):
        batch_size = real_images.shape[0]
        device = real_images.device

        # 1. The discriminator learns to tell generated images (label 1) from real ones (0).
        latent = torch.randn(batch_size, self.latent_dim, device=device)
        with torch.no_grad():
            generated = self.generator(latent)
        combined = torch.cat([generated, real_images])
        labels = torch.cat([torch.ones(batch_size, 1), torch.zeros(batch_size, 1)]).to(device)
        labels = labels + 0.05 * torch.rand_like(labels)  # label noise, a known GAN trick
        d_loss = self.loss_fn(labels, self.discriminator(combined, training=True))
        d_weights = self.discriminator.trainable_weights
        grads = torch.autograd.grad(d_loss, d_weights)
        self.d_optimizer.apply_gradients(zip(grads, d_weights))

        # 2. The generator learns to make the discriminator say "real" (0).
        latent = torch.randn(batch_size, self.latent_dim, device=device)
        misleading = torch.zeros(batch_size, 1, device=device)
        g_loss = self.loss_fn(misleading, self.discriminator(self.generator(latent, training=True)))
        g_weights = self.generator.trainable_weights
        grads = torch.autograd.grad(g_loss, g_weights)
        self.g_optimizer.apply_gradients(zip(grads, g_weights))

        self.d_loss_metric.update_state(d_loss.detach())
        self.g_loss_metric.update_state(g_loss.detach())
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


class SampleImages(keras.callbacks.Callback):
    """At each epoch's end, generate a few images and report their pixel statistics."""

    def __init__(self, count=8):
        super().__init__()
        self.count = count
        self.samples = []

    def on_epoch_end(self, epoch, logs=None):
        latent = torch.randn(self.count, self.model.latent_dim)
        images = self.model.generator.predict(latent.numpy(), verbose=0)
        self.samples.append(images)
        print(f"epoch {epoch + 1}: d_loss {logs['d_loss']:.3f}, g_loss {logs['g_loss']:.3f}, "
              f"sample pixel mean {images.mean():.3f}")


def main():
    keras.utils.set_random_seed(0)
    (x_train, _), _ = keras.datasets.fashion_mnist.load_data()
    images = np.expand_dims(x_train[: 256 if QUICK else 60000], -1).astype("float32") / 255.0

    gan = GAN(build_discriminator(), build_generator(), LATENT_DIM)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=3e-4),
        g_optimizer=keras.optimizers.Adam(learning_rate=3e-4),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    sampler = SampleImages()
    history = gan.fit(images, epochs=1 if QUICK else 20, batch_size=64, callbacks=[sampler], verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert len(sampler.samples) == len(history.history["d_loss"])
    assert sampler.samples[-1].shape == (sampler.count, 28, 28, 1)


if __name__ == "__main__":
    main()
