"""Sample-quality metrics for GANs, on features from any extractor.

Typical use:

```python
from keras_gans import evaluation

extractor = evaluation.get_extractor("mnist")   # or "fid_inception"
real = evaluation.compute_features(extractor, x_test)
fake = evaluation.compute_features(
    extractor, lambda n: gan.generate(n), num_samples=10000)
evaluation.frechet_distance(real.features, fake.features)
evaluation.kernel_inception_distance(real.features, fake.features).mean
evaluation.inception_score(fake.probabilities).mean
evaluation.precision_recall(real.features, fake.features)
evaluation.class_modes(fake.probabilities, num_classes=10)
```
"""

from keras_gans.evaluation.diversity import diversity_ratio
from keras_gans.evaluation.diversity import mean_pairwise_distance
from keras_gans.evaluation.extractors import ExtractedFeatures
from keras_gans.evaluation.extractors import FeatureExtractor
from keras_gans.evaluation.extractors import compute_feature_moments
from keras_gans.evaluation.extractors import compute_features
from keras_gans.evaluation.extractors import fid_inception_batch_size
from keras_gans.evaluation.extractors import get_extractor
from keras_gans.evaluation.extractors import inception_weights_path
from keras_gans.evaluation.extractors import iterate_batches
from keras_gans.evaluation.fid_inception import build_fid_inception
from keras_gans.evaluation.fid_inception import fid_weights_path
from keras_gans.evaluation.fid_inception import load_fid_inception
from keras_gans.evaluation.frechet import frechet_distance
from keras_gans.evaluation.frechet import frechet_distance_from_moments
from keras_gans.evaluation.inception_score import InceptionScore
from keras_gans.evaluation.inception_score import inception_score
from keras_gans.evaluation.kid import KernelDistance
from keras_gans.evaluation.kid import kernel_inception_distance
from keras_gans.evaluation.kid import mmd2_unbiased
from keras_gans.evaluation.kid import polynomial_kernel
from keras_gans.evaluation.modes import ClassModes
from keras_gans.evaluation.modes import MixtureModes
from keras_gans.evaluation.modes import ModeKLParts
from keras_gans.evaluation.modes import class_modes
from keras_gans.evaluation.modes import mixture_modes
from keras_gans.evaluation.modes import mode_kl_parts
from keras_gans.evaluation.modes import stacked_mnist_digits
from keras_gans.evaluation.modes import stacked_mnist_labels
from keras_gans.evaluation.moments import FeatureMoments
from keras_gans.evaluation.precision_recall import DensityCoverage
from keras_gans.evaluation.precision_recall import PrecisionRecall
from keras_gans.evaluation.precision_recall import density_coverage
from keras_gans.evaluation.precision_recall import knn_radii
from keras_gans.evaluation.precision_recall import precision_recall

__all__ = [
    "class_modes",
    "ClassModes",
    "compute_feature_moments",
    "compute_features",
    "density_coverage",
    "DensityCoverage",
    "diversity_ratio",
    "ExtractedFeatures",
    "FeatureExtractor",
    "FeatureMoments",
    "build_fid_inception",
    "fid_inception_batch_size",
    "fid_weights_path",
    "frechet_distance",
    "frechet_distance_from_moments",
    "get_extractor",
    "inception_score",
    "inception_weights_path",
    "InceptionScore",
    "iterate_batches",
    "kernel_inception_distance",
    "load_fid_inception",
    "KernelDistance",
    "knn_radii",
    "mean_pairwise_distance",
    "mixture_modes",
    "MixtureModes",
    "mmd2_unbiased",
    "mode_kl_parts",
    "ModeKLParts",
    "polynomial_kernel",
    "precision_recall",
    "PrecisionRecall",
    "stacked_mnist_digits",
    "stacked_mnist_labels",
]
