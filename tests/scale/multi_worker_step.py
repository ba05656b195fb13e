"""One worker of a 2-worker MultiWorkerMirroredStrategy run on 127.0.0.1.

Usage: multi_worker_step.py PORT0 PORT1 INDEX OUT.npz. Trains a tiny GAN for
a few steps and saves its final weights, so the test can check that both
workers end with identical weights.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
port0, port1, index, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
os.environ["TF_CONFIG"] = json.dumps({
    "cluster": {"worker": [f"127.0.0.1:{port0}", f"127.0.0.1:{port1}"]},
    "task": {"type": "worker", "index": index},
})

import tensorflow as tf  # noqa: E402

strategy = tf.distribute.MultiWorkerMirroredStrategy()

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gans  # noqa: E402
from keras_gans import datasets, networks  # noqa: E402

with strategy.scope():
    keras.utils.set_random_seed(0)
    model = keras_gans.GAN(networks.mlp_generator(4, 2, width=16, activation="tanh"),
                           networks.mlp_discriminator(2, width=16, activation="tanh"),
                           latent_dim=4, seed=0, instance_noise=0.05, d_steps=2)
    model.compile()
points, _ = datasets.sample_mixture("ring", 8 * 32, seed=0)
dataset = tf.data.Dataset.from_tensor_slices(points).batch(32, drop_remainder=True)
history = model.fit(dataset, epochs=2, verbose=0)
np.savez(out_path, replicas=strategy.num_replicas_in_sync,
         steps=int(model.g_optimizer.iterations.numpy()),
         g_loss=np.asarray(history.history["g_loss"]),
         **{f"w{i}": np.asarray(w) for i, w in enumerate(model.get_weights())})
