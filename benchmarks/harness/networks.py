"""Generator and discriminator from a run's `g_*` / `d_*` flags.

The flags map one to one onto `keras_gans.networks` builder arguments
(TRICKS 1.6, 1.7, 2.1, 2.2, 3.1, 3.4). "auto" values leave the builder's
own default in place, so a flagfile only states what it changes.
"""

from benchmarks.harness import data as data_lib


def architecture(values, prefix, info):
    """The architecture name for `prefix` ("g" or "d"), resolving "auto"."""
    choice = values[f"{prefix}_architecture"]
    if choice == "auto":
        return "dcgan" if info.is_image else "mlp"
    if choice == "mlp" and info.is_image and prefix == "d":
        raise ValueError(
            "--d_architecture=mlp takes vectors, but the data are images; use "
            "--d_architecture=dcgan (or auto)."
        )
    return choice


def builder_kwargs(values, prefix, arch):
    """Keyword arguments of the `keras_gans.networks` builder for one network.

    Args:
        values: The run's flag values.
        prefix: "g" or "d".
        arch: "mlp", "dcgan" or "autoencoder".

    Returns:
        A dict; keys the builder would default are left out.
    """
    kwargs = {
        "dropout": values[f"{prefix}_dropout"],
        "kernel_initializer": values[f"{prefix}_init"],
    }
    if values[f"{prefix}_activation"] != "auto":
        kwargs["activation"] = values[f"{prefix}_activation"]
    if values[f"{prefix}_batch_norm"] != "auto":
        kwargs["batch_norm"] = values[f"{prefix}_batch_norm"] == "true"
    if values[f"{prefix}_depth"] is not None:
        kwargs["depth"] = values[f"{prefix}_depth"]
    if arch in ("mlp", "autoencoder"):
        kwargs["width"] = values[f"{prefix}_width"]
    if arch in ("dcgan", "autoencoder"):
        kwargs["filters"] = values[f"{prefix}_filters"]
    if arch == "dcgan" and values[f"{prefix}_dense_units"] is not None:
        kwargs["dense_units"] = values[f"{prefix}_dense_units"]
    return kwargs


def build_generator(values, info, num_classes=None, extra_inputs=0):
    """The generator.

    Args:
        values: The run's flag values.
        info: The dataset's `data.DataInfo`.
        num_classes: If given, G also takes a label input (conditional GAN,
            ACGAN).
        extra_inputs: Input width beyond `latent_dim` (InfoGAN's codes).
    """
    from keras_gans import networks

    arch = architecture(values, "g", info)
    kwargs = builder_kwargs(values, "g", arch)
    kwargs["output_activation"] = data_lib.output_activation_for(values)
    latent_dim = values["latent_dim"] + extra_inputs
    if num_classes is not None:
        if arch == "autoencoder":
            raise ValueError(
                "--g_architecture=autoencoder has no label input; conditional "
                "models need --g_architecture=mlp or dcgan."
            )
        if info.is_image:
            return networks.dcgan_generator(
                latent_dim, info.sample_shape, num_classes=num_classes, **kwargs
            )
        return networks.mlp_generator(
            latent_dim, info.sample_shape[0], num_classes=num_classes, **kwargs
        )
    if arch == "autoencoder":
        shape = info.sample_shape if info.is_image else info.sample_shape[0]
        return networks.autoencoder_generator(latent_dim, shape, **kwargs)
    if arch == "dcgan":
        if not info.is_image:
            raise ValueError(
                "--g_architecture=dcgan makes images, but the data are 2D "
                "points; use --g_architecture=mlp (or auto)."
            )
        return networks.dcgan_generator(latent_dim, info.sample_shape, **kwargs)
    if info.is_image:
        raise ValueError(
            "--g_architecture=mlp makes vectors, but the data are images; use "
            "--g_architecture=dcgan or autoencoder."
        )
    return networks.mlp_generator(latent_dim, info.sample_shape[0], **kwargs)


def build_discriminator(values, info, num_classes=None):
    """The discriminator; label-conditioned when `num_classes` is given."""
    from keras_gans import networks

    arch = architecture(values, "d", info)
    kwargs = builder_kwargs(values, "d", arch)
    if num_classes is not None:
        if info.is_image:
            return networks.dcgan_discriminator(
                info.sample_shape, num_classes=num_classes, **kwargs
            )
        return networks.mlp_discriminator(
            info.sample_shape[0], num_classes=num_classes, **kwargs
        )
    if arch == "dcgan":
        return networks.dcgan_discriminator(info.sample_shape, **kwargs)
    return networks.mlp_discriminator(info.sample_shape[0], **kwargs)


def build_encoder(values, info):
    """An encoder (VAE-GAN) shaped like the discriminator's body."""
    from keras_gans import networks

    arch = architecture(values, "d", info)
    kwargs = builder_kwargs(values, "d", arch)
    if arch == "dcgan":
        return networks.dcgan_encoder(info.sample_shape, values["latent_dim"], **kwargs)
    return networks.mlp_encoder(info.sample_shape[0], values["latent_dim"], **kwargs)
