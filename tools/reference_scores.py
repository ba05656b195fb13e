"""Real-data sanity numbers for the MNIST evaluator, as a Markdown table.

Real data scored against real data shows what "perfect" looks like for each
metric in the `"mnist"` classifier's feature space, and two corrupted
controls show the metrics move when they should:

- classifier Inception Score of the MNIST test set (10 splits of 1,000;
  about 9.88 in the literature for a 99%+ classifier) and its class
  coverage;
- Frechet distance and KID of train vs test (near zero);
- precision / recall / density / coverage of train vs test (10k vs 10k);
- controls: the test set with Gaussian pixel noise, and train digits 0-4
  only (half the modes missing).

Usage:
    python tools/reference_scores.py [--data_path=../shared/data/mnist.npz]
        [--num_samples=10000] [--json_out=reference_scores.json]
"""

import argparse
import json
import os
import shlex
import sys
import time

import numpy as np

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_ROOT)


def find_mnist(data_path):
    candidates = [data_path] if data_path else []
    if os.environ.get("KERAS_GANS_DATA_DIR"):
        candidates.append(os.path.join(os.environ["KERAS_GANS_DATA_DIR"], "mnist.npz"))
    candidates.append(os.path.join(os.path.dirname(PROJECT_ROOT), "shared", "data", "mnist.npz"))
    candidates.append(os.path.expanduser("~/.keras/datasets/mnist.npz"))
    for path in candidates:
        if path and os.path.exists(path):
            return path
    raise FileNotFoundError(
        "MNIST not found; tried " + ", ".join(c for c in candidates if c) + ". Pass "
        "--data_path=<mnist.npz> (keras.datasets layout)."
    )


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_path", default=None)
    parser.add_argument("--num_samples", type=int, default=10000,
                        help="samples per set for the pairwise metrics")
    parser.add_argument("--noise_std", type=float, default=0.5,
                        help="pixel noise of the noisy control, in [-1, 1] units")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json_out", default=None)
    return parser.parse_args(argv)


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


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    start = time.time()
    from keras_gans import evaluation

    path = find_mnist(args.data_path)
    with np.load(path) as data:
        x_train, y_train = data["x_train"], data["y_train"]
        x_test = data["x_test"]
    rng = np.random.default_rng(args.seed)
    n = min(args.num_samples, len(x_test))

    extractor = evaluation.get_extractor("mnist", value_range=(0, 255))
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
        evaluation.get_extractor("mnist"), noisy_images, batch_size=500
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
        "test vs train digits 0-4 only": score(evaluation, test_n, low, args.seed),
    }
    fd_full = evaluation.frechet_distance(train_all.features, test.features)
    elapsed = time.time() - start

    command = "python tools/reference_scores.py " + " ".join(shlex.quote(a) for a in argv)
    lines = [
        f"Real-data reference scores, `mnist` evaluator features (`{command.strip()}`, "
        f"{elapsed:.0f} s).",
        "",
        f"Classifier Inception Score, MNIST test set (10 splits of 1,000): "
        f"**{inception.mean:.3f} +- {inception.std:.3f}** (literature about 9.88). "
        f"Frechet distance, all 60,000 train vs all 10,000 test: **{fd_full:.4f}**.",
        "",
        "| comparison | FD | KID (+- std over subsets) | precision | recall | density | coverage "
        "| classes hit | class KL |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} | {r['fd']:.3f} | {r['kid']:.4f} +- {r['kid_std']:.4f} "
            f"| {r['precision']:.3f} | {r['recall']:.3f} | {r['density']:.3f} "
            f"| {r['coverage']:.3f} | {r['classes']} | {r['class_kl']:.4f} |"
        )
    lines += [
        "",
        "Real vs real, precision and recall stay below 1 and density/coverage "
        "near 1: the k-NN balls of a finite sample leave gaps (k=3 and k=5, "
        "as in the papers). Class KL is to the real set's class histogram.",
    ]
    print("\n".join(lines))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(
                {
                    "command": command.strip(),
                    "data": os.path.relpath(path, PROJECT_ROOT),
                    "inception_score": {"mean": inception.mean, "std": inception.std},
                    "fd_train60k_test10k": fd_full,
                    "comparisons": rows,
                    "wall_time_s": elapsed,
                },
                f,
                indent=2,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
