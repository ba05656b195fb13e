"""The ablation harness, in the order a study flows through it.

flags -> plan -> launcher -> trainer (build) -> run_dir -> report

- `flags`: every flag as a row of a table (run flags, study flags), where
  each one's value goes, and the `--variation` syntax.
- `plan`: variations x seeds x datasets -> run specifications, checked
  (duplicates, bad names, every configuration built once) and sharded;
  the dry-run estimate.
- `launcher`: runs the planned runs as subprocesses under their locks,
  with progress and ETA; quiet TensorFlow start-up.
- `build`: data, networks, optimizers, model, callbacks and runtime from
  a run's flag values; the environment record; the cost model.
- `trainer`: trains one run inside its own process; resume, records.
- `run_dir`: a run's files (atomic), checkpoints, locks and status.
- `stats`, `figures`, `report`: statistics over seeds, plots, and the
  tables (reports, comparisons, README blocks, published rows).

There is no import cycle (a test checks the graph, imports inside
functions included). `keras_gans`, and with it TensorFlow, is imported only
by `build` and `trainer` (`run_dir` loads `keras_gans/io_utils.py` on its
own), so flag errors, `--dry_run` planning and `report.py` start fast.
"""
