"""Datasets as batched `tf.data` pipelines in the generator's value range."""

from keras_gans.datasets.clusters import cluster_labels
from keras_gans.datasets.clusters import cluster_purity
from keras_gans.datasets.clusters import cluster_shares
from keras_gans.datasets.images import DatasetNotFoundError
from keras_gans.datasets.loader import DATASET_NAMES
from keras_gans.datasets.loader import load
from keras_gans.datasets.local_files import DATA_DIR_ENV
from keras_gans.datasets.local_files import load_local_arrays
from keras_gans.datasets.synthetic import GRID_STD
from keras_gans.datasets.synthetic import RING_STD
from keras_gans.datasets.synthetic import grid_centers
from keras_gans.datasets.synthetic import mixture_spec
from keras_gans.datasets.synthetic import ring_centers
from keras_gans.datasets.synthetic import sample_mixture
from keras_gans.datasets.synthetic import stream_mixture

__all__ = [
    "cluster_labels",
    "cluster_purity",
    "cluster_shares",
    "DATA_DIR_ENV",
    "DATASET_NAMES",
    "DatasetNotFoundError",
    "grid_centers",
    "GRID_STD",
    "load",
    "load_local_arrays",
    "mixture_spec",
    "ring_centers",
    "RING_STD",
    "sample_mixture",
    "stream_mixture",
]
