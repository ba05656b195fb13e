"""Published numbers printed beside ours, keyed by protocol and dataset.

Only numbers from the same protocol are comparable (BENCHMARKS.md): a GAN
on the ring scores 1 mode in VEEGAN's setup and 6.3 in PacGAN's. Each table
says which protocol it belongs to; a study opts in with `--published=KEY`.

Values are in the harness' units: `high_quality` as a fraction (the papers
print percent), `fid` as published (Inception FIDs of Lucic et al. 2018,
which rank models but are not comparable to classifier FIDs).
"""

# key -> dataset -> list of (model, {metric: value}, source).
PUBLISHED = {
    "veegan": {
        "ring": [
            ("GAN", {"modes": 1.0, "high_quality": 0.993}, "VEEGAN, Table 1"),
            ("Unrolled GAN", {"modes": 7.6, "high_quality": 0.356}, "VEEGAN, Table 1"),
            ("VEEGAN", {"modes": 8.0, "high_quality": 0.529}, "VEEGAN, Table 1"),
            ("WGAN-GP", {"modes": 6.8, "high_quality": 0.596}, "GDPP, Table 1"),
            ("GDPP", {"modes": 8.0, "high_quality": 0.717}, "GDPP, Table 1"),
        ],
        "grid": [
            ("GAN", {"modes": 3.3, "high_quality": 0.005}, "VEEGAN, Table 1"),
            ("Unrolled GAN", {"modes": 23.6, "high_quality": 0.16}, "VEEGAN, Table 1"),
            ("VEEGAN", {"modes": 24.6, "high_quality": 0.40}, "VEEGAN, Table 1"),
            ("WGAN-GP", {"modes": 24.2, "high_quality": 0.287}, "GDPP, Table 1"),
            ("GDPP", {"modes": 24.8, "high_quality": 0.685}, "GDPP, Table 1"),
        ],
    },
    "stacked_mnist": {
        "stacked_mnist": [
            ("DCGAN", {"modes": 99.0, "mode_kl": 3.4}, "VEEGAN, Table 2"),
            ("Unrolled GAN", {"modes": 48.7, "mode_kl": 4.32}, "VEEGAN, Table 2"),
            ("VEEGAN", {"modes": 150.0, "mode_kl": 2.95}, "VEEGAN, Table 2"),
            ("PacDCGAN2", {"modes": 1000.0, "mode_kl": 0.06}, "PacGAN, Table 2"),
            ("WGAN-GP", {"modes": 995.0, "mode_kl": 0.148}, "GDPP, Table 3"),
        ],
    },
    # Best Inception FIDs of Lucic et al. 2018: compare rank order only.
    "lucic": {
        "mnist": [
            ("NS GAN", {"fid": 6.8}, "Lucic et al. 2018"),
            ("MM GAN", {"fid": 9.8}, "Lucic et al. 2018"),
            ("LSGAN", {"fid": 7.8}, "Lucic et al. 2018"),
            ("WGAN", {"fid": 6.7}, "Lucic et al. 2018"),
            ("WGAN-GP", {"fid": 20.3}, "Lucic et al. 2018"),
            ("DRAGAN", {"fid": 7.6}, "Lucic et al. 2018"),
            ("BEGAN", {"fid": 13.1}, "Lucic et al. 2018"),
        ],
        "fashion_mnist": [
            ("NS GAN", {"fid": 26.5}, "Lucic et al. 2018"),
            ("MM GAN", {"fid": 29.6}, "Lucic et al. 2018"),
            ("LSGAN", {"fid": 30.7}, "Lucic et al. 2018"),
            ("WGAN", {"fid": 21.5}, "Lucic et al. 2018"),
            ("WGAN-GP", {"fid": 24.5}, "Lucic et al. 2018"),
            ("DRAGAN", {"fid": 27.7}, "Lucic et al. 2018"),
            ("BEGAN", {"fid": 22.9}, "Lucic et al. 2018"),
        ],
        "celeb_a": [
            ("NS GAN", {"fid": 55.0}, "Lucic et al. 2018"),
            ("WGAN", {"fid": 41.3}, "Lucic et al. 2018"),
            ("WGAN-GP", {"fid": 30.3}, "Lucic et al. 2018"),
            ("BEGAN", {"fid": 38.9}, "Lucic et al. 2018"),
        ],
    },
}

NOTES = {
    "veegan": "VEEGAN/GDPP protocol, 5 runs averaged; 25k iterations.",
    "stacked_mnist": "VEEGAN setting (DCGAN, 26k samples); full budget is GPU-sized.",
    "lucic": "Inception FIDs (not comparable to classifier FIDs): rank order only.",
}


def lookup(key, dataset):
    """Published rows for a protocol key and dataset.

    Args:
        key: A key of `PUBLISHED`, or `None`.
        dataset: Dataset name of the study.

    Returns:
        `(rows, note)`; `([], None)` when nothing is published for the pair.

    Raises:
        ValueError: an unknown key (with the valid ones).
    """
    if not key:
        return [], None
    if key not in PUBLISHED:
        raise ValueError(
            f"Unknown --published={key!r}; valid: {', '.join(sorted(PUBLISHED))}."
        )
    return PUBLISHED[key].get(dataset, []), NOTES.get(key)
