"""DivergenceMonitor and ModeCollapseMonitor driven by synthetic logs."""

import warnings

import keras
import numpy as np
import pytest

from keras_gans.callbacks.divergence_monitor import DivergenceMonitor
from keras_gans.callbacks.mode_collapse_monitor import ModeCollapseMonitor


def _tiny_model():
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="zeros")(inputs))
    model.stop_training = False
    return model


def _drive(callback, logs_per_epoch, model=None):
    """Feeds epoch-end logs; returns the epochs at which warnings fired."""
    model = model or _tiny_model()
    callback.set_model(model)
    callback.on_train_begin()
    fired = []
    for epoch, logs in enumerate(logs_per_epoch):
        callback.on_epoch_begin(epoch)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            callback.on_epoch_end(epoch, dict(logs))
        if any(issubclass(w.category, RuntimeWarning) for w in caught):
            fired.append(epoch)
        if model.stop_training:
            break
    return fired


def _losses(d_losses, g_losses):
    return [{"d_loss": d, "g_loss": g} for d, g in zip(d_losses, g_losses)]


# --- DivergenceMonitor -----------------------------------------------------


def test_healthy_losses_never_fire():
    monitor = DivergenceMonitor(window=3)
    assert _drive(monitor, _losses([0.6, 0.7, 0.65, 0.6, 0.7], [0.9, 0.8, 1.0, 0.9, 1.1])) == []
    assert not monitor.diverged


def test_d_near_zero_while_g_climbs_fires_after_a_full_window():
    monitor = DivergenceMonitor(window=4, d_loss_threshold=0.05)
    logs = _losses([0.6, 0.01, 0.01, 0.01, 0.01, 0.01], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    # The window of 4 low-D epochs is first full at epoch 4.
    assert _drive(monitor, logs) == [4]
    assert "discriminator winning" in monitor.events[0]["reason"]
    assert monitor.events[0]["epoch"] == 4


def test_d_near_zero_with_flat_or_falling_g_does_not_fire():
    monitor = DivergenceMonitor(window=3)
    assert _drive(monitor, _losses([0.01] * 5, [5.0, 4.0, 3.0, 2.0, 1.0])) == []
    assert _drive(DivergenceMonitor(window=3), _losses([0.01] * 5, [2.0] * 5)) == []
    rising_slowly = _losses([0.01] * 3, [1.0, 1.1, 1.2])
    assert _drive(DivergenceMonitor(window=3, min_g_loss_rise=0.5), rising_slowly) == []


def test_non_finite_and_exploding_values_fire_at_once():
    monitor = DivergenceMonitor(window=5)
    assert _drive(monitor, _losses([0.6, float("nan")], [1.0, 1.0])) == [1]
    assert "non-finite d_loss" in monitor.events[0]["reason"]
    monitor = DivergenceMonitor(window=5, explode_threshold=100.0)
    assert _drive(monitor, _losses([0.6, 0.6], [1.0, 500.0])) == [1]
    assert "exploding g_loss" in monitor.events[0]["reason"]
    monitor = DivergenceMonitor(window=5, grad_norm_threshold=10.0)
    logs = [{"d_loss": 0.6, "g_loss": 1.0, "d_grad_norm": 3.0},
            {"d_loss": 0.6, "g_loss": 1.0, "d_grad_norm": 30.0}]
    assert _drive(monitor, logs) == [1]
    assert "d_grad_norm" in monitor.events[0]["reason"]


def test_stop_action_sets_stop_training():
    model = _tiny_model()
    monitor = DivergenceMonitor(window=2, action="stop")
    logs = _losses([0.01, 0.01, 0.01], [1.0, 2.0, 3.0])
    assert _drive(monitor, logs, model) == [1]
    assert model.stop_training


def test_restore_action_rolls_back_to_the_last_healthy_epoch():
    model = _tiny_model()
    monitor = DivergenceMonitor(window=2, action="restore")
    monitor.set_model(model)
    monitor.on_train_begin()
    kernel = model.layers[-1].kernel
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch, (d, g) in enumerate([(0.6, 1.0), (0.02, 2.0), (0.01, 3.0)]):
            kernel.assign(np.full((2, 1), float(epoch + 1)))  # "training"
            monitor.on_epoch_end(epoch, {"d_loss": d, "g_loss": g})
    # Epoch 0 was the last healthy one (D not yet winning): kernel = 1.
    assert model.stop_training
    np.testing.assert_array_equal(kernel.numpy(), np.ones((2, 1)))


def test_batch_frequency_checks_every_batch():
    model = _tiny_model()
    monitor = DivergenceMonitor(window=3, frequency="batch", action="stop")
    monitor.set_model(model)
    monitor.on_train_begin()
    monitor.on_epoch_begin(0)
    with pytest.warns(RuntimeWarning, match="batch 2"):
        for batch, g in enumerate([1.0, 2.0, 3.0]):
            monitor.on_train_batch_end(batch, {"d_loss": 0.001, "g_loss": g})
    assert model.stop_training and monitor.events[0]["batch"] == 2


def test_missing_keys_warn_once_with_advice():
    monitor = DivergenceMonitor()
    monitor.set_model(_tiny_model())
    with pytest.warns(RuntimeWarning, match="d_loss_key="):
        monitor.on_epoch_end(0, {"loss": 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        monitor.on_epoch_end(1, {"loss": 1.0})


class _DivergingModel(keras.Model):
    """train_step reports D loss collapsing and G loss climbing each epoch."""

    def __init__(self):
        super().__init__()
        self.steps = self.add_weight(shape=(), initializer="zeros", trainable=False)

    def call(self, inputs):
        return inputs

    def train_step(self, data):
        self.steps.assign_add(1.0)
        return {"d_loss": 0.5 / self.steps**3, "g_loss": self.steps}


def test_divergence_monitor_stops_fit():
    model = _DivergingModel()
    model.compile(jit_compile=False)
    monitor = DivergenceMonitor(window=3, d_loss_threshold=0.05, action="stop")
    with pytest.warns(RuntimeWarning, match="discriminator winning"):
        history = model.fit(
            np.zeros((1, 1)), epochs=20, batch_size=1, verbose=0, callbacks=[monitor]
        )
    # d_loss < 0.05 from epoch 2 (step 3: 0.5/27); window of 3 full at epoch 4.
    assert len(history.history["g_loss"]) == 5


def test_divergence_monitor_argument_errors():
    with pytest.raises(ValueError, match="action"):
        DivergenceMonitor(action="explode")
    with pytest.raises(ValueError, match="window"):
        DivergenceMonitor(window=1)


def _gan_poisoned_mid_epoch():
    """A GAN whose D learning rate turns NaN at batch 2 of epoch 2 (of 8 batches).

    Returns the model, the callback that poisons it, and a dict that gets
    the weights and D-optimizer variables at the end of (healthy) epoch 1.
    """
    import keras_gans
    from keras_gans import networks

    keras.utils.set_random_seed(0)
    gan = keras_gans.GAN(networks.mlp_generator(4, 2, width=8),
                         networks.mlp_discriminator(2, width=8), 4, seed=0)
    gan.compile(jit_compile=False)
    healthy = {}

    class Poison(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                healthy["weights"] = self.model.get_weights()
                healthy["d_optimizer"] = [v.numpy() for v in self.model.d_optimizer.variables]

        def on_train_batch_begin(self, batch, logs=None):
            if healthy and batch == 2:
                self.model.d_optimizer.learning_rate.assign(float("nan"))

    return gan, Poison(), healthy


def test_restore_monitor_restores_when_nan_appears_mid_epoch():
    gan, poison, healthy = _gan_poisoned_mid_epoch()
    monitor = DivergenceMonitor(action="restore")  # frequency="epoch"
    x = np.random.default_rng(0).normal(size=(128, 2)).astype("float32")
    with pytest.warns(RuntimeWarning, match=r"epoch 2, batch 2\): non-finite g_loss.*Restored"):
        gan.fit(x, batch_size=16, epochs=3, verbose=0, callbacks=[poison, monitor])
    # No guard raised over NaN weights: the monitor restored at the bad batch,
    # the weights and the D optimizer's state (its NaN learning rate too).
    assert [e["batch"] for e in monitor.events] == [2]
    for saved, restored in zip(healthy["weights"], gan.get_weights()):
        np.testing.assert_array_equal(saved, restored)
    for saved, variable in zip(healthy["d_optimizer"], gan.d_optimizer.variables):
        np.testing.assert_array_equal(saved, variable.numpy())
    assert np.isfinite(gan.generate(4, seed=0)).all()


def test_an_explicit_guard_still_raises_beside_a_restore_monitor():
    gan, poison, _ = _gan_poisoned_mid_epoch()
    from keras_gans.callbacks import StopOnNonFiniteLoss

    x = np.random.default_rng(0).normal(size=(128, 2)).astype("float32")
    with pytest.raises(FloatingPointError, match="epoch 2, batch 3"):
        gan.fit(x, batch_size=16, epochs=3, verbose=0, callbacks=[
            poison, StopOnNonFiniteLoss(), DivergenceMonitor(action="restore")])


def test_only_a_restoring_monitor_replaces_the_default_guard():
    from keras_gans.models.non_finite_guard import default_guards

    assert default_guards([DivergenceMonitor(action="restore")]) == []
    assert default_guards([keras.callbacks.TerminateOnNaN()]) == []
    [guard] = default_guards([DivergenceMonitor(action="stop")])
    assert type(guard).__name__ == "StopOnNonFiniteLoss"


# --- ModeCollapseMonitor ---------------------------------------------------


def test_falling_modes_fire_after_patience():
    monitor = ModeCollapseMonitor(monitor="modes", patience=2)
    logs = [{"modes": m} for m in [8, 8, 7, 6, 6]]
    # Worse than the best (8) at epochs 2 and 3: fires at 3, then restarts.
    assert _drive(monitor, logs) == [3]
    assert monitor.events[0]["value"] == 6 and monitor.events[0]["best"] == 8


def test_plateau_and_recovery_do_not_fire():
    assert _drive(ModeCollapseMonitor(patience=2), [{"modes": 10}] * 6) == []
    up_and_down = [{"modes": m} for m in [5, 4, 6, 5, 7]]
    assert _drive(ModeCollapseMonitor(patience=2), up_and_down) == []


def test_min_delta_ignores_small_drops():
    logs = [{"diversity": v} for v in [1.0, 0.99, 0.97, 0.95]]
    assert _drive(ModeCollapseMonitor("diversity", patience=1, min_delta=0.1), logs) == []
    # 0.99 is within 0.02 of the best; 0.97 and 0.95 are not (patience 1
    # fires on each worse epoch).
    assert _drive(ModeCollapseMonitor("diversity", patience=1, min_delta=0.02), logs) == [2, 3]


def test_kl_keys_watch_for_rises():
    logs = [{"mode_kl": v} for v in [0.1, 0.3, 0.5]]
    monitor = ModeCollapseMonitor("mode_kl", patience=2)
    assert _drive(monitor, logs) == [2]
    assert "rose" in monitor.events[0]["reason"]


def test_baseline_and_stop_action():
    model = _tiny_model()
    monitor = ModeCollapseMonitor("classes", patience=1, baseline=8, action="stop")
    assert _drive(monitor, [{"classes": 9}, {"classes": 7}], model) == [1]
    assert model.stop_training


def test_missing_key_warns_with_ordering_advice():
    monitor = ModeCollapseMonitor("classes")
    monitor.set_model(_tiny_model())
    with pytest.warns(RuntimeWarning, match="BEFORE this monitor"):
        monitor.on_epoch_end(0, {"d_loss": 1.0})
