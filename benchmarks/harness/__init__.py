"""Building blocks of the ablation harness, one idea per module.

- `run_flags`: the flags of one training run (model, tricks, networks, data,
  optimizers, budget, evaluation, scale).
- `study_flags`: the flags of a study (variations, seeds, sharding, output).
- `variations`: `--variation=NAME:flag=value,...` parsing and validation.
- `plan`: variations x seeds -> run specifications, sharding, flags.txt text.
- `registry`: model variant name -> class and constructor arguments.
- `build`: networks, optimizers and datasets from flag values.
- `run_dir`: a run's files (flags, metrics, summary, checkpoints), written
  atomically; finished / resumable / fresh status.
- `trainer`: trains one run inside its own process.
- `launcher`: runs the planned runs as subprocesses with progress and ETA.
- `stats`, `tables`, `plots`, `published`: the report.
"""
