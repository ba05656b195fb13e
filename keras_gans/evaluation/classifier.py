"""The small CNN used as a domain feature extractor for 28x28 grayscale data.

Inception-v3 features mean little on MNIST-like digits, and its weights need a
download. GAN papers on MNIST therefore score samples with a domain
classifier instead: the classifier's softmax gives a "classifier Inception
Score" and the class histogram (missing modes), its penultimate activations
give a Frechet distance and KID (e.g. Lucic et al. 2018, "Are GANs Created
Equal?"; Srivastava et al. 2017, VEEGAN, for Stacked MNIST).

The network is deliberately small (about 140k parameters, ~0.6 MB of float32
weights) so the trained MNIST weights can ship inside the package and a
Fashion-MNIST copy trains on two CPU cores in a few minutes with
`tools/train_evaluator.py`.
"""

import keras

FEATURE_LAYER = "features"
PROBABILITY_LAYER = "probabilities"


def build_classifier(
    input_shape=(28, 28, 1), num_classes=10, feature_dim=128, dropout=0.25
):
    """Builds the evaluator CNN (uncompiled, randomly initialised).

    Architecture: two blocks of two 3x3 ReLU convolutions (32 then 64
    filters) each followed by 2x2 max pooling, a third pooling to 3x3, a
    `feature_dim` ReLU dense layer named `"features"` (the embedding used for
    Frechet distance, KID and precision/recall) and a softmax layer named
    `"probabilities"`.

    Args:
        input_shape: Image shape `(height, width, channels)`; inputs are
            expected in [-1, 1] (the extractor rescales other ranges).
        num_classes: Number of output classes.
        feature_dim: Width of the penultimate (feature) layer.
        dropout: Dropout rate before the softmax layer; only active in
            training, so it does not change extracted features.

    Returns:
        A `keras.Model` mapping images to class probabilities. Its layer
        `"features"` gives the penultimate activations.
    """
    inputs = keras.Input(shape=input_shape, name="images")
    x = inputs
    for block, filters in enumerate((32, 64)):
        for i in range(2):
            x = keras.layers.Conv2D(
                filters,
                3,
                padding="same",
                activation="relu",
                name=f"block{block + 1}_conv{i + 1}",
            )(x)
        x = keras.layers.MaxPooling2D(2, name=f"block{block + 1}_pool")(x)
    # A third pooling (7x7 -> 3x3) keeps the dense layer, and therefore the
    # shipped weights file, small without hurting accuracy on digits.
    x = keras.layers.MaxPooling2D(2, name="block3_pool")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(feature_dim, activation="relu", name=FEATURE_LAYER)(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    # float32 softmax even under a mixed-precision policy, so probabilities
    # sum to one and the saved weights are float32.
    outputs = keras.layers.Dense(
        num_classes, activation="softmax", dtype="float32", name=PROBABILITY_LAYER
    )(x)
    return keras.Model(inputs, outputs, name="evaluator_classifier")
