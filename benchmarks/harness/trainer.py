"""Trains one run, in the current process, from its parsed flag values.

`train_run` is what `run_one.py` calls. It resumes from the run's latest
checkpoint when there is one, so a killed run loses at most the epoch in
progress, and writes `summary.json` last, which marks the run finished.
"""

import os
import shutil
import time

from benchmarks.harness import data as data_lib
from benchmarks.harness import environment
from benchmarks.harness import optimizers
from benchmarks.harness import registry
from benchmarks.harness import run_dir as run_dir_lib

# --metrics=auto, by dataset.
AUTO_METRICS = {
    "ring": ("modes",),
    "grid": ("modes",),
    "stacked_mnist": ("modes",),
    "mnist": ("fid", "kid", "is", "classes"),
    "fashion_mnist": ("fid", "kid", "is", "classes"),
    # The Inception extractor has no classifier head: no IS or classes.
    "celeb_a": ("fid", "kid"),
}
# Feature extractor of the image metrics, by dataset (--extractor=auto).
_EXTRACTORS = {
    "mnist": "mnist",
    "fashion_mnist": "fashion_mnist",
    "celeb_a": "inception_v3",
}


def configure_runtime(values, threads=0):
    """Threads, dtype policy and distribution strategy, before any model.

    Args:
        values: The run's flag values.
        threads: TensorFlow intra-op threads (0 keeps the default). When
            several runs share a machine, fewer threads per process avoids
            oversubscribing its cores.

    Returns:
        The `tf.distribute.Strategy` to build and compile under.
    """
    import keras
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras.mixed_precision.set_global_policy(values["mixed_precision"])
    strategy = values["strategy"]
    if strategy == "default":
        return tf.distribute.get_strategy()
    if strategy == "mirrored":
        return tf.distribute.MirroredStrategy()
    if strategy == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if strategy == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=values["tpu"])
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(f"Unknown --strategy={strategy!r}.")


def metric_callbacks(values, info):
    """The evaluation callback for the run's `--metrics`, or `None`.

    Returns:
        A callback with a `history` list (one entry per evaluation) that
        writes its values into the epoch's logs.
    """
    from keras_gans.callbacks import gan_metrics

    metrics = tuple(values["metrics"])
    if metrics == ("auto",):
        metrics = AUTO_METRICS[info.name]
    if not metrics:
        return None
    common = dict(
        num_samples=values["eval_num_samples"],
        every_n_epochs=values["eval_every_n_epochs"],
        seed=values["seed"] + 10_000,
    )
    if not info.is_image:
        if set(metrics) != {"modes"}:
            raise ValueError(
                f"2D mixtures support --metrics=modes only; got {list(metrics)}."
            )
        return gan_metrics.GANMetrics(
            metrics=("modes",),
            extractor=None,
            centers=info.centers,
            std=info.std,
            **common,
        )
    if info.name == "stacked_mnist":
        from benchmarks.harness.stacked_modes import StackedMnistModes

        if set(metrics) != {"modes"}:
            raise ValueError(
                "Stacked MNIST supports --metrics=modes only (modes hit of 1000 "
                f"and KL to uniform); got {list(metrics)}."
            )
        return StackedMnistModes(value_range=info.value_range, **common)
    if "modes" in metrics:
        raise ValueError(
            "--metrics=modes counts mixture components (ring, grid, "
            "stacked_mnist); for MNIST-like data use --metrics=classes."
        )
    extractor = values["extractor"]
    if extractor == "auto":
        extractor = _EXTRACTORS[info.name]
    reference = data_lib.reference_images(values, info, values["eval_num_samples"])
    return gan_metrics.GANMetrics(
        reference,
        metrics=metrics,
        extractor=extractor,
        value_range=info.value_range,
        **common,
    )


def _early_stopping(values):
    import keras

    metric = values["early_stopping_metric"]
    if not metric:
        return None
    mode = values["early_stopping_mode"]
    if mode == "auto":
        # Keras' "auto" guesses from the name and gets fid/kid/kl wrong.
        lower_is_better = ("fid", "kid", "kl", "loss")
        mode = "min" if any(k in metric for k in lower_is_better) else "max"
    return keras.callbacks.EarlyStopping(
        monitor=metric, mode=mode, patience=values["early_stopping_patience"]
    )


def _sample_grid(values, info, directory):
    from keras_gans.callbacks import SampleGrid

    num = values["grid_samples"] or (64 if info.is_image else 2500)
    # With no periodic pictures, an interval past the last epoch leaves only
    # the final picture, which train_run writes itself.
    every = values["grid_every_n_epochs"] or values["epochs"] + 1
    return SampleGrid(
        directory,
        num_samples=num,
        seed=1234,
        every_n_epochs=every,
        reference=info.centers,
    )


def train_run(values, run_dir, defaults, threads=0, verbose=2):
    """Trains (or resumes) one run and writes its results.

    A resumed run restores weights, optimizer state, random-generator state
    and the data position from its checkpoint, so it ends exactly where an
    unbroken run would. Two things restart: an `EarlyStopping` patience
    counter (Keras keeps it in the callback, not the model), and the first
    resumed epoch is always evaluated (an extra `metrics.jsonl` record).

    Args:
        values: The run's flag values (from its `flags.txt`).
        run_dir: The run's folder.
        defaults: Flag name -> default value (tricks off).
        threads: TensorFlow intra-op threads; 0 keeps the default.
        verbose: Keras `fit` verbosity (1 progress bar, 2 a line per epoch).

    Returns:
        The summary dict written to `summary.json`.
    """
    import keras

    from benchmarks.harness.recorder import RunRecorder

    process_start = time.time()
    strategy = configure_runtime(values, threads)
    info = data_lib.data_info(values)
    entry = registry.get_entry(values["model"])
    checkpoint = run_dir_lib.latest_checkpoint(run_dir)
    epochs_done = checkpoint[0] if checkpoint else 0
    records, elapsed_before = RunRecorder.resume(run_dir, epochs_done)
    # The data stream is built before TensorFlow's global seed is set: its
    # per-pass shuffle seeds are tensors, which tf.data cannot combine with
    # a global seed of 0 (it tests `(global, op) == (0, 0)` in Python). The
    # order depends on the run's seed alone (see data.TrainingStream).
    stream = data_lib.TrainingStream(values, info, with_labels=entry.needs_labels)
    steps = values["steps_per_epoch"] or stream.steps_per_pass
    dataset = stream.from_step(epochs_done * steps)
    keras.utils.set_random_seed(values["seed"])
    with strategy.scope():
        if checkpoint:
            print(f"Resuming from {checkpoint[1]} (epoch {epochs_done}).", flush=True)
            registry.model_class(values["model"])  # Registers the class.
            model = keras.saving.load_model(checkpoint[1])
        else:
            model = registry.build_model(values, info, defaults)
            model.compile(
                d_optimizer=optimizers.build_optimizer(values, "d"),
                g_optimizer=optimizers.build_optimizer(values, "g"),
            )

    callbacks = []
    if values["instance_noise_schedule"] != "none":
        from keras_gans.callbacks import VariableSchedule

        callbacks.append(
            VariableSchedule(
                "instance_noise",
                start=values["instance_noise"],
                end=values["instance_noise_end"],
                epochs=values["instance_noise_epochs"] or values["epochs"],
                schedule=values["instance_noise_schedule"],
            )
        )
    metrics = metric_callbacks(values, info)
    if metrics is not None:
        callbacks.append(metrics)
    stopper = _early_stopping(values)
    if stopper is not None:
        if metrics is None:
            raise ValueError("--early_stopping_metric needs --metrics to log it.")
        callbacks.append(stopper)
    grid = _sample_grid(values, info, os.path.join(run_dir, "samples"))
    recorder = RunRecorder(run_dir, metrics, steps, records, elapsed_before)
    callbacks += [grid, recorder]

    if epochs_done < values["epochs"]:
        model.fit(
            dataset,
            epochs=values["epochs"],
            initial_epoch=epochs_done,
            steps_per_epoch=steps,
            callbacks=callbacks,
            verbose=verbose,
            shuffle=False,  # The dataset is shuffled (seeded) already.
        )
    final_epochs = recorder.epochs_done or epochs_done
    grid.set_model(model)  # fit() did not run when resuming a complete run.
    samples = grid.write(final_epochs - 1)
    run_dir_lib.atomic_write(
        os.path.join(run_dir, run_dir_lib.SAMPLES_FILE),
        lambda tmp: shutil.copyfile(samples, tmp),
    )
    if values["export"]:
        _export(model, os.path.join(run_dir, run_dir_lib.EXPORT_DIR))
    summary = _summary(
        values, recorder, final_epochs, steps, stopper, process_start, strategy
    )
    summary["resumed_from_epoch"] = epochs_done
    run_dir_lib.write_json(os.path.join(run_dir, run_dir_lib.SUMMARY_FILE), summary)
    shutil.rmtree(os.path.join(run_dir, run_dir_lib.CHECKPOINT_DIR), ignore_errors=True)
    return summary


def _export(model, path):
    """Exports the generator into a fresh folder, then renames it into place."""
    import keras_gans

    tmp = f"{path}.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    keras_gans.export_generator(model, tmp)
    shutil.rmtree(path, ignore_errors=True)
    os.replace(tmp, path)


def _summary(values, recorder, epochs_done, steps, stopper, process_start, strategy):
    import keras

    last = recorder.records[-1] if recorder.records else {}
    stopped_early = bool(stopper is not None and stopper.stopped_epoch > 0)
    return {
        "seed": values["seed"],
        "model": values["model"],
        "dataset": values["dataset"],
        "final": {
            k: v for k, v in last.items() if k not in ("epoch", "elapsed_s", "step")
        },
        "final_epoch": last.get("epoch"),
        "epochs_completed": epochs_done,
        "steps_completed": None if steps is None else epochs_done * steps,
        "stopped_early": stopped_early,
        "wall_time_s": round(recorder.elapsed, 3),
        "dtype_policy": keras.mixed_precision.global_policy().name,
        "replicas": strategy.num_replicas_in_sync,
        "process_time_s": round(time.time() - process_start, 3),
        "git_commit": environment.git_commit(),
        "versions": environment.versions(),
        "device": environment.device_description(),
        "flags": values,
    }
