"""Discriminators with auxiliary heads on a shared body (ACGAN, InfoGAN).

- ACGAN (Odena, Olah and Shlens, "Conditional Image Synthesis with Auxiliary
  Classifier GANs", ICML 2017, https://arxiv.org/abs/1610.09585; TRICKS 4.2):
  D also predicts the class of real and generated examples.
- InfoGAN (Chen et al., "InfoGAN: Interpretable Representation Learning by
  Information Maximizing GANs", NeurIPS 2016,
  https://arxiv.org/abs/1606.03657; TRICKS 4.4): a network Q that shares
  all of D's convolutional layers predicts the latent codes, categorical
  (logits) and continuous (Gaussian mean, optionally log-variance).

`discriminator_with_heads` takes any discriminator built by this package (or
any functional model whose last layer is a 1-unit `Dense` logit) and adds the
heads on the features that feed that logit, so images and MLP vectors are
handled alike and the body's layers (and weights) are shared.
"""

import keras

from keras_gans import checks
from keras_gans.networks import common

HEAD_KINDS = ("class", "q_cat", "q_cont")
# Output names of the returned model, by head kind.
OUTPUT_NAMES = {
    "logit": "logit",
    "class": "class_logits",
    "q_cat": "q_cat_logits",
    "q_cont": "q_cont_mean",
    "q_cont_log_var": "q_cont_log_var",
}


def discriminator_with_heads(
    discriminator,
    heads,
    *,
    q_hidden_units=None,
    q_cont_log_var=False,
    activation="leaky_relu",
    batch_norm=True,
    kernel_initializer="glorot_normal",
    name="discriminator",
):
    """Adds auxiliary heads to a discriminator's shared body.

    The features feeding `discriminator`'s final logit layer become the
    shared body; the new model keeps that logit and adds, per entry of
    `heads`:

    - `"class": num_classes` -> output `"class_logits"`, `(batch,
      num_classes)` (ACGAN's auxiliary classifier).
    - `"q_cat": k` -> output `"q_cat_logits"`, `(batch, k)`: logits of
      InfoGAN's categorical code.
    - `"q_cont": m` -> output `"q_cont_mean"`, `(batch, m)`: mean of the
      Gaussian posterior of InfoGAN's continuous codes; with
      `q_cont_log_var=True` also `"q_cont_log_var"`, `(batch, m)`.

    The real/fake logit keeps the name `"logit"`, `(batch, 1)`. All outputs
    are float32 and have no activation (losses apply softmax/sigmoid).

    Args:
        discriminator: a functional `keras.Model` whose last layer is a
            `Dense(1)` producing the logit, e.g. from `dcgan_discriminator`,
            `mlp_discriminator` (conditional ones too). Its layers
            are reused, so the two models share weights.
        heads: dict mapping head kinds (`"class"`, `"q_cat"`, `"q_cont"`) to
            their output sizes (positive ints).
        q_hidden_units: None, or int: InfoGAN's Q network puts one hidden
            `Dense(q_hidden_units)` block (batch norm, activation) between the
            shared body and the `q_*` heads (128 in the InfoGAN paper).
        q_cont_log_var: also predict the continuous codes' log-variance
            (otherwise a fixed unit variance is implied, and the mutual
            information term reduces to a squared error).
        activation: activation of the Q hidden block (see
            `networks.common.DENSE_ACTIVATIONS`).
        batch_norm: whether the Q hidden block uses batch norm.
        kernel_initializer: initializer of the new layers' kernels.
        name: model name.

    Returns:
        A functional `keras.Model` with the same inputs as `discriminator`
        returning a dict of tensors keyed by the output names above.

    Example:

    >>> d = discriminator_with_heads(
    ...     dcgan_discriminator((28, 28, 1)), {"q_cat": 10, "q_cont": 2}
    ... )
    >>> sorted(d(keras.random.normal((2, 28, 28, 1))))
    ['logit', 'q_cat_logits', 'q_cont_mean']
    """
    features = _shared_features(discriminator)
    heads = _check_heads(heads)
    checks.initializer("kernel_initializer", kernel_initializer)
    checks.choice("activation", activation, common.DENSE_ACTIVATIONS)
    if q_hidden_units is not None:
        checks.positive_int("q_hidden_units", q_hidden_units)
    batch_norm = checks.boolean("batch_norm", batch_norm)
    q_cont_log_var = checks.boolean("q_cont_log_var", q_cont_log_var)

    outputs = {"logit": discriminator.outputs[0]}

    def dense(units, output_name, x):
        return keras.layers.Dense(
            units,
            kernel_initializer=kernel_initializer,
            dtype="float32",
            name=output_name,
        )(x)

    if "class" in heads:
        name_ = OUTPUT_NAMES["class"]
        outputs[name_] = dense(heads["class"], name_, features)

    if "q_cat" in heads or "q_cont" in heads:
        q_features = features
        if q_hidden_units is not None:
            q_features = keras.layers.Dense(
                q_hidden_units,
                use_bias=not batch_norm,
                kernel_initializer=kernel_initializer,
                name="q_hidden_dense",
            )(q_features)
            q_features = common.normalize_activate(
                q_features,
                "q_hidden",
                batch_norm=batch_norm,
                activation=activation,
                dropout=0.0,
            )
        if "q_cat" in heads:
            name_ = OUTPUT_NAMES["q_cat"]
            outputs[name_] = dense(heads["q_cat"], name_, q_features)
        if "q_cont" in heads:
            name_ = OUTPUT_NAMES["q_cont"]
            outputs[name_] = dense(heads["q_cont"], name_, q_features)
            if q_cont_log_var:
                name_ = OUTPUT_NAMES["q_cont_log_var"]
                outputs[name_] = dense(heads["q_cont"], name_, q_features)
    elif q_cont_log_var:
        raise ValueError(
            "`q_cont_log_var=True` needs a 'q_cont' head; add e.g. "
            "heads={'q_cont': 2}."
        )

    inputs = discriminator.inputs
    if len(inputs) == 1:
        inputs = inputs[0]
    return keras.Model(inputs, outputs, name=name)


def _shared_features(discriminator):
    """The tensor feeding the discriminator's final 1-unit Dense layer."""
    message = (
        "`discriminator` must be a functional keras.Model whose last layer is "
        "the 1-unit Dense logit layer (as built by dcgan_discriminator, "
        "mlp_discriminator). Received: "
    )
    # Only functional (and built Sequential) models expose symbolic
    # `outputs`; a subclassed model has no graph to attach heads to.
    outputs = getattr(discriminator, "outputs", None)
    if not isinstance(discriminator, keras.Model) or not outputs:
        raise ValueError(message + f"{type(discriminator).__name__}.")
    if len(outputs) != 1:
        raise ValueError(
            message + f"a model with {len(discriminator.outputs)} outputs."
        )
    last = discriminator.layers[-1]
    # A spectrally normalised logit is a Dense(1) inside its wrapper.
    dense = last.layer if isinstance(last, keras.layers.SpectralNormalization) else last
    if not isinstance(dense, keras.layers.Dense) or dense.units != 1:
        raise ValueError(message + f"last layer {last.name!r} ({type(last).__name__}).")
    return last.input


def _check_heads(heads):
    if not isinstance(heads, dict) or not heads:
        raise ValueError(
            "`heads` must be a non-empty dict mapping head kinds to output "
            f"sizes, e.g. {{'class': 10}}. Valid kinds: {', '.join(HEAD_KINDS)}. "
            f"Received: {heads!r}."
        )
    for kind, size in heads.items():
        checks.choice("heads key", kind, HEAD_KINDS)
        checks.positive_int(f"heads[{kind!r}]", size)
    return heads
