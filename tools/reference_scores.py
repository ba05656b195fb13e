"""Real-data sanity numbers for the evaluators, as Markdown tables.

Real data scored against real data shows what "perfect" looks like for each
metric, and two corrupted controls show the metrics move when they should.

With a domain classifier (`--extractor=classifier`, the default: the
`"mnist"` or `"fashion_mnist"` evaluator):

- classifier Inception Score of the test set (10 splits of 1,000; about
  9.88 in the literature for MNIST with a 99%+ classifier) and its class
  coverage;
- Frechet distance and KID of train vs test (near zero);
- precision / recall / density / coverage of train vs test (10k vs 10k);
- controls: the test set with Gaussian pixel noise, and train classes 0-4
  only (half the modes missing).

With `--dataset=stacked_mnist`: the floor of the Stacked MNIST numbers
(modes of 1000 and KL of the mode histogram to uniform, as the studies
report them), from `--num_samples` (default 26,000, the VEEGAN/PacGAN
protocol) real stacks drawn `--repeats` times: labelled by the MNIST
evaluator as the studies label samples, by their true digits, and for a
perfectly uniform generator (sampling alone). A generator cannot be
expected to score below these.

With `--extractor=fid_inception` (the published-comparable FID network;
build its weights first with `python tools/fetch_fid_inception.py`): the
Inception FID and KID of train vs test, `--num_samples` each, with the
wall time and the process's peak resident memory.

Usage:
    python tools/reference_scores.py [--dataset=mnist|fashion_mnist]
        [--extractor=classifier|fid_inception] [--data_path=FILE_OR_DIR]
        [--num_samples=10000] [--json_out=reference_scores.json]
    python tools/reference_scores.py --dataset=stacked_mnist [--repeats=5]
    python tools/reference_scores.py --readme=README.md

`--readme` scores nothing: it regenerates the README's reference tables from
the committed results in `benchmarks/results/reference_scores/` (written with
`--json_out`), one block per table: `<!-- reference_scores:NAME -->` ...
`<!-- /reference_scores -->` with NAME `fid_inception` (every
`<dataset>_fid_inception.json`), `classifier_mnist` or
`classifier_fashion_mnist` (`<dataset>_classifier.json`) and `stacked_mnist`
(`stacked_mnist_modes.json`).

Data: MNIST from `--data_path` (a keras-layout `mnist.npz` or a folder
holding it), else `$KERAS_GANS_DATA_DIR`, `../shared/data/mnist.npz` and the
Keras cache; Fashion-MNIST from `--data_path` (a folder with
`fashion-mnist/*-ubyte.gz`) or wherever `keras_gans.datasets.load` finds it
(including Debian's `dataset-fashion-mnist` in /usr/share/datasets).
"""

import argparse
import glob
import json
import os
import re
import resource
import shlex
import sys
import time

import numpy as np

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_ROOT)

DATASETS = ("mnist", "fashion_mnist")
STACKED = "stacked_mnist"
STACKED_SAMPLES = 26_000  # VEEGAN / PacGAN: 26k samples per evaluation
RESULTS_DIR = os.path.join(PROJECT_ROOT, "benchmarks", "results", "reference_scores")
_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
README_BLOCK = re.compile(r"(<!-- reference_scores:(\w+) -->\n).*?(<!-- /reference_scores -->)",
                          re.S)
# The rows of the Stacked MNIST floor: result key prefix, title.
_STACKED_ROWS = (("classifier", "MNIST evaluator (as the studies label samples)"),
                 ("true", "true digits"),
                 ("uniform", "a perfectly uniform generator (sampling alone)"))
# Each README block's committed result file (`--json_out`), by block name.
BLOCK_FILES = {
    "classifier_mnist": "mnist_classifier.json",
    "classifier_fashion_mnist": "fashion_mnist_classifier.json",
    "stacked_mnist": "stacked_mnist_modes.json",
}
# What the README and the papers call the dataset's classes 0-4.
_LOW_CLASSES = {"mnist": "digits 0-4", "fashion_mnist": "classes 0-4 (tops, trousers, "
                "pullovers, dresses, coats)"}


def load_arrays(dataset, data_path=None):
    """`(x_train, y_train, x_test, y_test, source)` as uint8 (N, 28, 28) images."""
    if data_path and os.path.isfile(data_path):
        with np.load(data_path) as data:
            arrays = [data[k] for k in ("x_train", "y_train", "x_test", "y_test")]
        return (*arrays, data_path)
    from keras_gans.datasets import local_files

    data_dir = data_path
    if dataset == "mnist" and data_dir is None:
        shared = os.path.join(os.path.dirname(PROJECT_ROOT), "shared", "data")
        if os.path.exists(os.path.join(shared, local_files.MNIST_FILE)):
            data_dir = shared
    train = local_files.load_local_arrays(dataset, "train", data_dir)
    test = local_files.load_local_arrays(dataset, "test", data_dir)
    if train is None or test is None:
        searched = local_files.search_dirs(data_dir)
        raise FileNotFoundError(
            f"{dataset} not found: looked for "
            f"{', '.join(local_files.expected_files(dataset, 'train') + local_files.expected_files(dataset, 'test'))} "
            f"in {', '.join(searched)}. Pass --data_path=<file or folder>"
            + (" or `apt-get install dataset-fashion-mnist`." if dataset == "fashion_mnist" else ".")
        )
    source = local_files.find_local_files(dataset, "train", data_dir)[0]
    return train[0][..., 0], train[1], test[0][..., 0], test[1], source


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=DATASETS + (STACKED,), default="mnist")
    parser.add_argument("--extractor", choices=("classifier", "fid_inception"),
                        default="classifier")
    parser.add_argument("--data_path", default=None)
    parser.add_argument("--num_samples", type=int, default=None,
                        help="samples per set for the pairwise metrics (default 10,000), "
                        f"or stacks per draw for {STACKED} (default {STACKED_SAMPLES:,})")
    parser.add_argument("--repeats", type=int, default=5,
                        help=f"draws of --num_samples stacks ({STACKED} only)")
    parser.add_argument("--noise_std", type=float, default=0.5,
                        help="pixel noise of the noisy control, in [-1, 1] units")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json_out", default=None)
    parser.add_argument("--readme", default=None,
                        help="Regenerate this README's reference tables from --results_dir "
                        "and exit (scores nothing).")
    parser.add_argument("--results_dir", default=RESULTS_DIR,
                        help="Folder of the committed result files of --readme.")
    args = parser.parse_args(argv)
    if args.dataset == STACKED and args.extractor != "classifier":
        parser.error(f"--dataset={STACKED} is scored by the MNIST classifier only; "
                     "drop --extractor (or pass --extractor=classifier).")
    if args.num_samples is None:
        args.num_samples = STACKED_SAMPLES if args.dataset == STACKED else 10000
    if args.num_samples < 1 or args.repeats < 1:
        parser.error("--num_samples and --repeats must be at least 1.")
    return args


def score(evaluation, real, fake, seed):
    """All pairwise metrics of one comparison, as a dict."""
    kid = evaluation.kernel_inception_distance(real.features, fake.features, seed=seed)
    pr = evaluation.precision_recall(real.features, fake.features, k=3)
    dc = evaluation.density_coverage(real.features, fake.features, k=5)
    return {
        "n_real": len(real),
        "n_fake": len(fake),
        "fd": evaluation.frechet_distance(real.features, fake.features),
        "kid": kid.mean,
        "kid_std": kid.std,
        "precision": pr.precision,
        "recall": pr.recall,
        "density": dc.density,
        "coverage": dc.coverage,
        "classes": evaluation.class_modes(fake.probabilities, 10).classes,
        "class_kl": evaluation.class_modes(
            fake.probabilities, 10, reference_labels=real.probabilities
        ).kl,
    }


def peak_memory_mib():
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def classifier_scores(args, evaluation, arrays, rng):
    x_train, y_train, x_test, _, _ = arrays
    n = min(args.num_samples, len(x_test))
    extractor = evaluation.get_extractor(args.dataset, value_range=(0, 255))
    test = evaluation.compute_features(extractor, x_test, batch_size=500)
    train_all = evaluation.compute_features(extractor, x_train, batch_size=500)
    train_idx = rng.choice(len(x_train), n, replace=False)
    train = evaluation.ExtractedFeatures(
        train_all.features[train_idx], train_all.probabilities[train_idx]
    )
    test_n = evaluation.ExtractedFeatures(test.features[:n], test.probabilities[:n])

    noisy_images = np.clip(
        x_test[:n] / 127.5 - 1.0 + rng.normal(scale=args.noise_std, size=x_test[:n].shape),
        -1.0,
        1.0,
    ).astype("float32")
    noisy = evaluation.compute_features(
        evaluation.get_extractor(args.dataset), noisy_images, batch_size=500
    )
    low_idx = np.flatnonzero(y_train < 5)
    low_idx = rng.choice(low_idx, min(n, len(low_idx)), replace=False)
    low = evaluation.ExtractedFeatures(
        train_all.features[low_idx], train_all.probabilities[low_idx]
    )
    inception = evaluation.inception_score(test.probabilities, splits=10)
    rows = {
        f"train vs test ({n:,} vs {n:,})": score(evaluation, test_n, train, args.seed),
        f"test vs test + N(0, {args.noise_std}) pixel noise": score(
            evaluation, test_n, noisy, args.seed
        ),
        f"test vs train {_LOW_CLASSES[args.dataset]} only": score(
            evaluation, test_n, low, args.seed
        ),
    }
    fd_full = evaluation.frechet_distance(train_all.features, test.features)
    return inception, rows, fd_full


def inception_scores(args, evaluation, arrays, rng):
    """Inception FID/KID train vs test, streamed, with time and memory."""
    x_train, _, x_test, _, _ = arrays
    n = min(args.num_samples, len(x_test))
    extractor = evaluation.get_extractor("fid_inception", value_range=(0, 255))
    train_idx = np.sort(rng.choice(len(x_train), n, replace=False))
    start = time.time()
    train = evaluation.compute_features(extractor, x_train[train_idx], batch_size=500, verbose=1)
    test = evaluation.compute_features(extractor, x_test[:n], batch_size=500, verbose=1)
    seconds = time.time() - start
    kid = evaluation.kernel_inception_distance(test.features, train.features, seed=args.seed)
    return {
        "n": n,
        "fid": evaluation.frechet_distance(test.features, train.features),
        "kid": kid.mean,
        "kid_std": kid.std,
        "extraction_s": seconds,
        "images_per_s": 2 * n / seconds,
        "batch_size": extractor.max_batch_size,
    }


def inception_table(results):
    """The README's Inception table: one row per result dict (as `--json_out`
    writes them), in `DATASETS` order, then each row's command."""
    order = {name: i for i, name in enumerate(DATASETS)}
    results = sorted(results, key=lambda r: order.get(r["dataset"], len(order)))
    lines = ["| comparison | FID | KID (+- std over subsets) | time | peak memory |",
             "|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {_TITLES.get(r['dataset'], r['dataset'])} train vs test ({r['n']:,} vs "
            f"{r['n']:,}) | {r['fid']:.3f} | {r['kid']:.5f} +- {r['kid_std']:.5f} "
            f"| {r['wall_time_s'] / 60:.1f} min ({r['images_per_s']:.1f} images/s, batches "
            f"of {r['batch_size']}) | {r['peak_rss_mib'] / 1024:.2f} GiB |")
    lines += ["", "Measured with:", ""]
    lines += [f"- `{r['command']}`" for r in results]
    return "\n".join(lines) + "\n"


def classifier_table(result):
    """The classifier reference scores of one dataset (a `--json_out` dict of
    the classifier extractor), as Markdown: what the tool prints and the
    README's `classifier_<dataset>` block holds."""
    literature = " (literature about 9.88)" if result["dataset"] == "mnist" else ""
    score = result["inception_score"]
    lines = [
        f"Real-data reference scores, `{result['dataset']}` evaluator features "
        f"(`{result['command']}`, {result['wall_time_s']:.0f} s).",
        "",
        f"Classifier Inception Score, test set (10 splits of 1,000): "
        f"**{score['mean']:.3f} +- {score['std']:.3f}**{literature}. "
        f"Frechet distance, all {result['n_train']:,} train vs all "
        f"{result['n_test']:,} test: **{result['fd_train_all_test_all']:.4f}**.",
        "",
        "| comparison | FD | KID (+- std over subsets) | precision | recall | density "
        "| coverage | classes hit | class KL |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in result["comparisons"].items():
        lines.append(
            f"| {name} | {r['fd']:.3f} | {r['kid']:.4f} +- {r['kid_std']:.4f} "
            f"| {r['precision']:.3f} | {r['recall']:.3f} | {r['density']:.3f} "
            f"| {r['coverage']:.3f} | {int(r['classes'])} | {r['class_kl']:.4f} |"
        )
    lines += [
        "",
        "Real vs real, precision and recall stay below 1 and density/coverage "
        "near 1: the k-NN balls of a finite sample leave gaps (k=3 and k=5, "
        "as in the papers). Class KL is to the real set's class histogram.",
    ]
    return "\n".join(lines) + "\n"


def stacked_table(result):
    """Real Stacked MNIST's modes and KL (a `--dataset=stacked_mnist`
    `--json_out` dict), as Markdown."""
    lines = [
        f"Real Stacked MNIST, {result['num_samples']:,} stacks of MNIST train digits per "
        f"draw, {result['repeats']} draws (`{result['command']}`, "
        f"{result['wall_time_s']:.0f} s); the MNIST evaluator labels "
        f"{result['evaluator_accuracy_train']:.2%} of the train digits correctly.",
        "",
        "| labels | modes (of 1000) | KL to uniform | its part from the channels' "
        "digit imbalance | its part from their dependence |",
        "|---|---|---|---|---|",
    ]
    for name, title in _STACKED_ROWS:
        lines.append(f"| {title} | " + " | ".join(
            _mean_std(result[f"{name}_{key}"], fmt) for key, fmt in
            (("modes", ".1f"), ("kl", ".4f"), ("kl_channels", ".4f"),
             ("kl_dependence", ".4f"))) + " |")
    return "\n".join(lines) + "\n"


def read_results(results_dir):
    """The `*_fid_inception.json` result dicts of `results_dir`."""
    results = []
    for path in sorted(glob.glob(os.path.join(results_dir, "*_fid_inception.json"))):
        with open(path, encoding="utf-8") as f:
            results.append(json.load(f))
    if not results:
        raise FileNotFoundError(f"No *_fid_inception.json in {results_dir}.")
    return results


def render_block(name, results_dir):
    """The content of the README block `reference_scores:<name>`, from the
    committed results in `results_dir`."""
    if name == "fid_inception":
        return inception_table(read_results(results_dir))
    if name not in BLOCK_FILES:
        raise ValueError(f"Unknown README block `reference_scores:{name}`; known: "
                         f"{', '.join(['fid_inception', *BLOCK_FILES])}.")
    path = os.path.join(results_dir, BLOCK_FILES[name])
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"README block `reference_scores:{name}` needs {path}: write it with "
            "python tools/reference_scores.py ... --json_out=" + path)
    with open(path, encoding="utf-8") as f:
        result = json.load(f)
    return stacked_table(result) if name == "stacked_mnist" else classifier_table(result)


def update_readme(text, results_dir=RESULTS_DIR):
    """`text` with every reference block regenerated; ValueError without one."""
    return _run_dir().replace_blocks(text, README_BLOCK,
                                     lambda m: render_block(m.group(2), results_dir))


def write_readme(path, results_dir=RESULTS_DIR):
    changed = _run_dir().rewrite_text(path, lambda text: update_readme(text, results_dir))
    print(f"{path}: reference tables "
          f"{'regenerated' if changed else 'already up to date'} from {results_dir}.")


def _run_dir():
    # The harness's file helpers (atomic writes, generated blocks); imported
    # late so that --help and argument errors stay instant.
    from benchmarks.harness import run_dir

    return run_dir


def stacked_mode_scores(evaluation, modes):
    """Modes hit, the mode KL to uniform and its two parts
    (`evaluation.mode_kl_parts`: the channels' digit imbalance and their
    dependence) of Stacked MNIST mode labels `100 a + 10 b + c`."""
    modes = np.asarray(modes)
    parts = evaluation.mode_kl_parts(evaluation.stacked_mnist_digits(modes))
    return {"modes": float(np.unique(modes).size), "kl": parts.total,
            "kl_channels": float(sum(parts.channels)), "kl_dependence": parts.dependence}


def stacked_mnist_scores(evaluation, images, labels, predicted, num_samples, repeats, seed):
    """Modes and mode KL (with its parts) of real Stacked MNIST, per draw,
    three ways: labelled by the evaluator, by the true digits, and a
    perfectly uniform generator's (modes drawn uniformly: sampling alone,
    a KL of about (1000 - 1) / (2 num_samples)).

    `predicted` is the MNIST evaluator's label of every image in `images`.
    A stack's channel k is the image `index[:, k]`, and the evaluator labels
    each channel on its own, so labelling the stacks equals looking up
    `predicted` at the same indices: one classifier pass over the digits
    instead of three per stack. Draw r uses the stacks of `seed + r`.

    Returns:
        Dict of arrays, one value per draw, keyed `<source>_<score>` for the
        sources `classifier`, `true`, `uniform` and the scores of
        `stacked_mode_scores` (`modes`, `kl`, `kl_channels`, `kl_dependence`).
    """
    from keras_gans.datasets import stacked_mnist

    rng = np.random.default_rng(seed)
    out = {}
    for r in range(repeats):
        sources = {name: stacked_mnist.stack(images, source, num_samples, seed + r)[1]
                   for name, source in (("classifier", predicted), ("true", labels))}
        sources["uniform"] = rng.integers(0, stacked_mnist.NUM_MODES, num_samples)
        for name, modes in sources.items():
            for key, value in stacked_mode_scores(evaluation, modes).items():
                out.setdefault(f"{name}_{key}", []).append(value)
    return {k: np.array(v, dtype=np.float64) for k, v in out.items()}


def _mean_std(values, fmt):
    values = np.asarray(values, dtype=np.float64)
    std = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():{fmt}} +- {std:{fmt}}"


def write_result(path, result):
    """Writes a `--json_out` result dict, atomically (NumPy scalars as floats)."""
    from keras_gans.io_utils import atomic_write

    def write(tmp):
        with open(tmp, "w") as f:
            json.dump(result, f, indent=2, default=float)

    atomic_write(path, write)


def stacked_main(args, command, evaluation, start):
    """`--dataset=stacked_mnist`: the floor of the studies' modes and KL."""
    x_train, y_train, _, _, source = load_arrays("mnist", args.data_path)
    extractor = evaluation.get_extractor("mnist", value_range=(0, 255))
    predicted = np.argmax(
        evaluation.compute_features(extractor, x_train, batch_size=500).probabilities, axis=-1)
    accuracy = float(np.mean(predicted == y_train))
    scores = stacked_mnist_scores(evaluation, x_train[..., None], y_train, predicted,
                                  args.num_samples, args.repeats, args.seed)
    elapsed = time.time() - start
    result = {"command": command, "dataset": STACKED, "data": source,
              "num_samples": args.num_samples, "repeats": args.repeats, "seed": args.seed,
              "evaluator_accuracy_train": accuracy, "wall_time_s": elapsed,
              **{k: v.tolist() for k, v in scores.items()}}
    print(stacked_table(result), end="")
    if args.json_out:
        write_result(args.json_out, result)
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.readme:
        write_readme(args.readme, args.results_dir)
        return 0
    start = time.time()
    from keras_gans import evaluation

    command = ("python tools/reference_scores.py " + " ".join(shlex.quote(a) for a in argv)).strip()
    if args.dataset == STACKED:
        return stacked_main(args, command, evaluation, start)
    arrays = load_arrays(args.dataset, args.data_path)
    rng = np.random.default_rng(args.seed)
    result = {"command": command, "dataset": args.dataset, "extractor": args.extractor,
              "data": arrays[-1]}
    if args.extractor == "fid_inception":
        r = inception_scores(args, evaluation, arrays, rng)
        elapsed = time.time() - start
        peak = peak_memory_mib()
        result.update(r, wall_time_s=elapsed, peak_rss_mib=peak)
        lines = [
            f"Inception FID (`fid_inception`, 2015 graph, pool_3), {args.dataset} "
            f"(`{command}`):",
            "",
            "| comparison | FID | KID (+- std over subsets) | time | peak memory |",
            "|---|---|---|---|---|",
            f"| train vs test ({r['n']:,} vs {r['n']:,}) | {r['fid']:.3f} "
            f"| {r['kid']:.5f} +- {r['kid_std']:.5f} | {elapsed / 60:.1f} min "
            f"({r['images_per_s']:.1f} images/s, batches of {r['batch_size']}) "
            f"| {peak / 1024:.2f} GiB |",
        ]
    else:
        inception, rows, fd_full = classifier_scores(args, evaluation, arrays, rng)
        result.update(
            inception_score={"mean": inception.mean, "std": inception.std},
            fd_train_all_test_all=fd_full, n_train=len(arrays[0]), n_test=len(arrays[2]),
            comparisons=rows, wall_time_s=time.time() - start,
        )
        lines = [classifier_table(result)]
    print("\n".join(lines))
    if args.json_out:
        write_result(args.json_out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
