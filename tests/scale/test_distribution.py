"""Training under tf.distribute equals training on one device.

Both tests run their TensorFlow work in fresh processes: the 2 logical CPU
devices (and the multi-worker cluster) must be configured before TensorFlow
starts, which it already has in the pytest process.
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}


def test_mirrored_step_equals_single_device_step():
    result = subprocess.run([sys.executable, os.path.join(HERE, "mirrored_step.py")],
                            capture_output=True, text=True, env=ENV, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    for name in ("gan", "wgangp", "acgan", "stabilised"):
        entry = report[name]
        # The step really moved the weights...
        assert entry["max_update"] > 1e-3, name
        # ...and both runs agree to float32 round-off: 1e-6 absolute plus
        # 1e-6 of the update size (WGAN-GP's penalty makes large updates).
        assert entry["max_weight_difference"] <= 1e-6 + 1e-6 * entry["max_update"], (name, entry)
        np.testing.assert_allclose(*entry["d_loss"], rtol=1e-6)


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_multi_worker_mirrored_workers_end_with_identical_weights(tmp_path):
    ports = [str(p) for p in _free_ports(2)]
    outputs = [str(tmp_path / f"worker{i}.npz") for i in range(2)]
    workers = [
        subprocess.Popen([sys.executable, os.path.join(HERE, "multi_worker_step.py"),
                          *ports, str(i), outputs[i]],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
        for i in range(2)
    ]
    try:
        for worker in workers:
            _, stderr = worker.communicate(timeout=300)
            assert worker.returncode == 0, stderr[-3000:]
    finally:
        for worker in workers:
            worker.kill()
    first, second = (np.load(path) for path in outputs)
    assert int(first["replicas"]) == 2
    assert int(first["steps"]) == int(second["steps"]) == 16  # 8 global batches x 2 epochs
    names = [k for k in first.files if k.startswith("w")]
    assert len(names) == 13  # G and D: 6 arrays each, plus instance_noise
    for name in names:
        np.testing.assert_array_equal(first[name], second[name])
    np.testing.assert_array_equal(first["g_loss"], second["g_loss"])
