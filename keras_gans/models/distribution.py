"""Loss scaling that makes a step under `tf.distribute` equal a one-device step."""

from keras import ops


def num_replicas_in_sync():
    """Number of replicas of the current `tf.distribute` strategy (1 outside one)."""
    import tensorflow as tf

    return tf.distribute.get_strategy().num_replicas_in_sync


def scale_loss_for_replicas(loss):
    """Divides a per-replica mean loss by the number of replicas.

    Under `tf.distribute`, each replica averages its loss over its own share of
    the global batch and the optimizer *sums* the replicas' gradients. Dividing
    by the replica count turns that sum into the gradient of the mean over the
    global batch, so training on N devices equals training on one (given equal
    per-replica batches, which `tf.data` auto-sharding of `drop_remainder`
    batches guarantees). Outside a strategy this is the identity.

    Args:
        loss: A scalar loss averaged over the replica's batch.

    Returns:
        The scalar to differentiate.
    """
    replicas = num_replicas_in_sync()
    if replicas == 1:
        return loss
    return ops.multiply(loss, ops.cast(1.0 / replicas, loss.dtype))


def is_multi_worker():
    """Whether training runs under a multi-worker `MultiWorkerMirroredStrategy`."""
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()
    return isinstance(
        strategy, tf.distribute.MultiWorkerMirroredStrategy
    ) and strategy.extended._in_multi_worker_mode()


def reducible_logs(logs):
    """Shapes `train_step` logs so that Keras can reduce them across workers.

    Keras 3 reduces the per-replica logs of a multi-worker
    `MultiWorkerMirroredStrategy` with `strategy.reduce("MEAN", v, axis=0)`,
    which fails on scalars ("Invalid reduction dimension 0"). A `(1,)` shape
    reduces to the scalar every callback expects. Elsewhere logs are unchanged.
    """
    if not is_multi_worker():
        return logs
    return {name: ops.reshape(value, (1,)) for name, value in logs.items()}
