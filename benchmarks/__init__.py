"""The ablation harness: flagfiles -> one process per run -> tables and plots.

Entry points (run from the project root):

- `python benchmarks/ablate.py --flagfile=benchmarks/configs/quickstart.flags`
  runs a study (every variation x seed) and writes its report;
- `python benchmarks/report.py --study_dir=...` rebuilds a study's report;
- `python benchmarks/run_one.py --flagfile=RUN_DIR/flags.txt --run_dir=RUN_DIR`
  is what `ablate.py` starts for each run.

The library (`keras_gans`) never reads flags: `benchmarks.harness` turns flag
values into constructor arguments and callbacks.
"""
