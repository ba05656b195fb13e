"""D and G optimizers from a run's `d_*` / `g_*` optimizer flags."""


def build_optimizer(values, prefix):
    """A fresh Keras optimizer for network `prefix` ("d" or "g").

    Adam uses `beta_1`/`beta_2` (DCGAN's beta_1=0.5 is the flags' default,
    TRICKS 1.5); SGD and RMSprop use `momentum` (SGD for D is TRICKS 3.2).
    """
    import keras

    name = values[f"{prefix}_optimizer"]
    learning_rate = values[f"{prefix}_learning_rate"]
    if name == "adam":
        return keras.optimizers.Adam(
            learning_rate,
            beta_1=values[f"{prefix}_beta_1"],
            beta_2=values[f"{prefix}_beta_2"],
        )
    if name == "sgd":
        return keras.optimizers.SGD(
            learning_rate, momentum=values[f"{prefix}_momentum"]
        )
    if name == "rmsprop":
        return keras.optimizers.RMSprop(
            learning_rate, momentum=values[f"{prefix}_momentum"]
        )
    raise ValueError(
        f"Unknown --{prefix}_optimizer={name!r}; valid: adam, sgd, rmsprop."
    )
