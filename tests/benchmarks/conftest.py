"""Makes the `benchmarks` package importable and shares harness fixtures.

pytest puts `tests/` on `sys.path`, where `tests/benchmarks` would shadow the
top-level `benchmarks` package under a plain `pytest` command; the project
root goes first so `import benchmarks` always finds the harness.
"""

import os
import sys

PROJECT_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
if sys.path[:1] != [PROJECT_ROOT]:
    sys.path.insert(0, PROJECT_ROOT)

import pytest  # noqa: E402

from benchmarks.harness import flags as harness_flags  # noqa: E402

# A ring study small enough to train in a few seconds per run.
TINY_RING_ARGS = [
    "--dataset=ring",
    "--num_examples=2048",
    "--batch_size=64",
    "--latent_dim=8",
    "--g_width=16",
    "--d_width=16",
    "--eval_num_samples=256",
    "--grid_samples=256",
]


@pytest.fixture
def tiny_ring_args():
    """Run flags of a ring run that trains in a few seconds."""
    return list(TINY_RING_ARGS)


@pytest.fixture
def run_flag_names():
    return harness_flags.run_flag_names()


@pytest.fixture
def study_flag_names():
    return harness_flags.study_flag_names()


@pytest.fixture
def python_env():
    """Environment for harness subprocesses: quiet TensorFlow, project importable."""
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONPATH"] = PROJECT_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env
