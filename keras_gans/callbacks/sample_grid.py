"""Saves a picture of samples from fixed latents at the end of each epoch."""

import os

import keras
import numpy as np

from keras_gans import checks
from keras_gans import visualization


class SampleGrid(keras.callbacks.Callback):
    """Writes `epoch_NNNN.png` with samples from the same latents every epoch.

    Fixed latents (an integer seed passed to `model.generate`) make the
    pictures of successive epochs directly comparable. Image samples are tiled
    into a grid; 2D samples (the ring and grid mixtures) are drawn as a
    scatter plot.

    Args:
        directory: Folder for the PNG files (created if needed).
        num_samples: Samples per picture (images: a square number reads best;
            2D data: a few thousand).
        seed: Seed of the fixed latents.
        every_n_epochs: Write a picture every this many epochs (and always
            after the last one the callback sees).
        tensorboard_dir: If given, also log the grid as a TensorBoard image.
        reference: For 2D data, points drawn under the samples (e.g. the
            mixture's centres).
        generate_kwargs: Extra arguments for `model.generate` (e.g. labels).
    """

    def __init__(
        self,
        directory,
        num_samples=64,
        seed=1234,
        every_n_epochs=1,
        tensorboard_dir=None,
        reference=None,
        generate_kwargs=None,
    ):
        super().__init__()
        self.directory = checks.string("directory", directory)
        self.num_samples = checks.positive_int("num_samples", num_samples)
        self.seed = checks.non_negative_int("seed", seed)
        self.every_n_epochs = checks.positive_int("every_n_epochs", every_n_epochs)
        self.tensorboard_dir = checks.string("tensorboard_dir", tensorboard_dir,
                                             allow_none=True)
        self.reference = reference
        self.generate_kwargs = dict(generate_kwargs or {})
        self._writer = None
        self.last_path = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs == 0:
            self.write(epoch)

    def write(self, epoch):
        """Generates the samples and writes the picture for `epoch` (0-based).

        Returns:
            The path of the PNG file.
        """
        samples = self.model.generate(
            self.num_samples, seed=self.seed, **self.generate_kwargs
        )
        path = os.path.join(self.directory, f"epoch_{epoch + 1:04d}.png")
        if samples.ndim == 2 and samples.shape[-1] == 2:
            visualization.save_scatter(
                path, samples, self.reference, title=f"epoch {epoch + 1}"
            )
            grid = None
        else:
            value_range = getattr(self.model, "value_range", None) or (
                float(samples.min()),
                float(samples.max()) + 1e-8,
            )
            grid = visualization.save_image_grid(path, samples, value_range)
        if self.tensorboard_dir and grid is not None:
            self._log_tensorboard(grid, epoch)
        self.last_path = path
        return path

    def _log_tensorboard(self, grid, epoch):
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.tensorboard_dir)
        with self._writer.as_default():
            tf.summary.image("samples", np.asarray(grid)[None], step=epoch + 1)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
