"""StackedMnistModes: modes hit (of 1000) and KL to uniform, written into logs.

The Stacked MNIST protocol (VEEGAN, Table 2; PacGAN, Table 2) labels each
channel of a generated 28x28x3 image with an MNIST classifier and counts
the distinct digit triples among the samples. `GANMetrics` scores one
classifier output per image, so this protocol gets its own callback; it
follows `GANMetrics`' conventions (same log semantics, a `history` list).
"""

import time

import keras
import numpy as np

LOG_KEYS = ("modes", "mode_kl")


class StackedMnistModes(keras.callbacks.Callback):
    """Every N epochs: the number of Stacked MNIST modes the samples hit.

    Log keys: `modes` (distinct triples among the samples' channel labels,
    of 1000) and `mode_kl` (KL of the triple histogram to uniform, nats).
    Like `GANMetrics`, epochs that are not evaluated repeat the last values,
    and the first and last epoch of a `fit` are always evaluated.

    Args:
        num_samples: Generated images per evaluation (26k in VEEGAN).
        every_n_epochs: Evaluation interval.
        value_range: Range of the generator's images.
        seed: Base seed of the generated batches (the same draws every time).
        batch_size: Images per `generate` call.
        extractor: Name of the per-channel digit classifier.
    """

    def __init__(
        self,
        num_samples=26_000,
        every_n_epochs=1,
        value_range=(-1.0, 1.0),
        seed=0,
        batch_size=500,
        extractor="mnist",
    ):
        super().__init__()
        self.num_samples = int(num_samples)
        self.every_n_epochs = int(every_n_epochs)
        self.value_range = tuple(value_range)
        self.seed = int(seed)
        self.batch_size = int(batch_size)
        self.extractor = extractor
        self.history = []
        self._classifier = None
        self._last = None

    def channel_labels(self, images):
        """Digit labels of each channel, `(n, 3)`."""
        from keras_gans import evaluation

        if self._classifier is None:
            self._classifier = evaluation.get_extractor(
                self.extractor, value_range=self.value_range
            )
        labels = [
            np.argmax(self._classifier(images[..., k : k + 1]).probabilities, axis=-1)
            for k in range(images.shape[-1])
        ]
        return np.stack(labels, axis=1)

    def evaluate(self):
        """Generates the samples and returns `{"modes", "mode_kl"}`."""
        from keras_gans import evaluation

        labels = []
        produced, index = 0, 0
        while produced < self.num_samples:
            n = min(self.batch_size, self.num_samples - produced)
            images = np.asarray(self.model.generate(n, seed=self.seed + index))
            if images.ndim != 4 or images.shape[-1] != 3:
                raise ValueError(
                    "StackedMnistModes needs 28x28x3 samples (one digit per "
                    f"channel); the generator made {images.shape[1:]}."
                )
            labels.append(evaluation.stacked_mnist_labels(self.channel_labels(images)))
            produced += n
            index += 1
        result = evaluation.class_modes(np.concatenate(labels), 1000)
        return {"modes": float(result.classes), "mode_kl": float(result.kl)}

    def on_train_begin(self, logs=None):
        self._last = None

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        last_epoch = (self.params or {}).get("epochs")
        if (
            self._last is None
            or epoch % self.every_n_epochs == 0
            or (last_epoch is not None and epoch == last_epoch - 1)
        ):
            start = time.time()
            self._last = self.evaluate()
            self.history.append(
                {"epoch": epoch, **self._last, "seconds": time.time() - start}
            )
        logs.update(self._last)
