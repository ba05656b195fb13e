"""Frechet distance between Gaussians fitted to two feature sets (FID).

With Inception-v3 pool features this is the Frechet Inception Distance of
Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to
a Local Nash Equilibrium". With a domain classifier's features (the `"mnist"`
extractor) it is the "classifier FID" used on MNIST-like data: same formula,
values on a different scale, not comparable to Inception FIDs.
"""

import numpy as np
import scipy.linalg

from keras_gans import checks
from keras_gans.evaluation.moments import FeatureMoments


def _sqrt_psd(matrix):
    """Symmetric square root of a symmetric positive semi-definite matrix."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    # Round-off makes zero eigenvalues slightly negative; they are zero.
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    return (eigenvectors * np.sqrt(eigenvalues)) @ eigenvectors.T


def _trace_sqrt_product_eigh(sigma1, sigma2):
    """Tr((sigma1 sigma2)^(1/2)) through a symmetric eigenproblem.

    sigma1 sigma2 is not symmetric, but it is similar to
    sqrt(sigma1) sigma2 sqrt(sigma1), which is symmetric PSD, so both have
    the same real non-negative eigenvalues. Taking them with `eigh` never
    produces the spurious imaginary parts that `scipy.linalg.sqrtm` gives on
    near-singular covariances (e.g. fewer samples than dimensions).
    """
    root1 = _sqrt_psd(sigma1)
    middle = root1 @ sigma2 @ root1
    middle = (middle + middle.T) / 2.0
    eigenvalues = np.clip(np.linalg.eigvalsh(middle), 0.0, None)
    return float(np.sum(np.sqrt(eigenvalues)))


def _trace_sqrt_product_sqrtm(sigma1, sigma2, eps=1e-6):
    """Tr((sigma1 sigma2)^(1/2)) with `scipy.linalg.sqrtm`, as in pytorch-fid."""
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    if not np.all(np.isfinite(covmean)):
        # Singular product: regularise both covariances, as the reference
        # implementation does.
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        # Imaginary parts are round-off when they are tiny relative to the
        # real part; anything larger means the inputs are not covariances.
        scale = max(1.0, float(np.max(np.abs(covmean.real))))
        if np.max(np.abs(covmean.imag)) > 1e-3 * scale:
            raise ValueError(
                "sqrtm returned a large imaginary component "
                f"({np.max(np.abs(covmean.imag)):.3g}); the covariances are "
                "not positive semi-definite. Use method='eigh'."
            )
        covmean = covmean.real
    return float(np.trace(covmean))


def frechet_distance_from_moments(mu1, sigma1, mu2, sigma2, method="eigh"):
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2).

    d^2 = ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))
    (Dowson and Landau 1982), the squared 2-Wasserstein distance between the
    two Gaussians; FID reports this squared value.

    Args:
        mu1, mu2: Mean vectors of shape (dim,).
        sigma1, sigma2: Covariance matrices of shape (dim, dim).
        method: `"eigh"` (default; a symmetric eigen-decomposition, always
            real and stable) or `"sqrtm"` (`scipy.linalg.sqrtm` with the
            pytorch-fid fallbacks, for cross-checking).

    Returns:
        The distance as a Python float (>= 0 up to round-off).
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    dim = mu1.shape[0]
    if mu1.shape != (dim,) or mu2.shape != (dim,):
        raise ValueError(
            f"Means must be vectors of the same length; got {mu1.shape} and "
            f"{mu2.shape}."
        )
    if sigma1.shape != (dim, dim) or sigma2.shape != (dim, dim):
        raise ValueError(
            f"Covariances must be ({dim}, {dim}) to match the means; got "
            f"{sigma1.shape} and {sigma2.shape}."
        )
    if method == "eigh":
        trace_sqrt = _trace_sqrt_product_eigh(sigma1, sigma2)
    elif method == "sqrtm":
        trace_sqrt = _trace_sqrt_product_sqrtm(sigma1, sigma2)
    else:
        raise ValueError(f"`method` must be 'eigh' or 'sqrtm'; got {method!r}.")
    diff = mu1 - mu2
    distance = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt
    return float(distance)


def _moments(x, name):
    if isinstance(x, FeatureMoments):
        return x.mean, x.covariance
    features = checks.feature_matrix(x, name, min_rows=2)
    return features.mean(axis=0), np.cov(features, rowvar=False).reshape(
        features.shape[1], features.shape[1]
    )


def frechet_distance(real_features, fake_features, method="eigh"):
    """Frechet distance between Gaussians fitted to two feature sets.

    FID when the features are Inception-v3's pool features; with the
    `"mnist"` extractor the same number is often called a classifier FID.
    Note that small sample sizes bias it upwards: compare numbers computed
    with the same number of samples (10k or 50k are the usual choices).

    Args:
        real_features: Array (num_real, dim), or a `FeatureMoments` that
            accumulated them batch by batch.
        fake_features: Array (num_fake, dim), or a `FeatureMoments`.
        method: See `frechet_distance_from_moments`.

    Returns:
        The distance as a Python float; 0 for identical feature sets.

    Example:

    ```python
    extractor = get_extractor("mnist")
    real = compute_features(extractor, x_test).features
    fake = compute_features(extractor, generator_fn, num_samples=10000).features
    fid = frechet_distance(real, fake)
    ```
    """
    mu1, sigma1 = _moments(real_features, "real_features")
    mu2, sigma2 = _moments(fake_features, "fake_features")
    if mu1.shape != mu2.shape:
        raise ValueError(
            "`real_features` and `fake_features` must have the same feature "
            f"dimension; got {mu1.shape[0]} and {mu2.shape[0]}. Extract both "
            "with the same extractor."
        )
    return frechet_distance_from_moments(mu1, sigma1, mu2, sigma2, method=method)

