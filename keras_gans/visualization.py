"""Turning generated samples into pictures: image grids and 2D scatter plots."""

import math

import numpy as np

from keras_gans.io_utils import atomic_write


def to_uint8(images, value_range):
    """Maps images from `value_range` to uint8 pixels, clipping outliers.

    Args:
        images: Float array `(..., H, W, C)` in `value_range`.
        value_range: `(low, high)` of the images.

    Returns:
        A uint8 array of the same shape.
    """
    low, high = value_range
    scaled = (np.asarray(images, dtype="float32") - low) / (high - low)
    return np.clip(np.round(scaled * 255.0), 0, 255).astype("uint8")


def image_grid(images, value_range=(-1.0, 1.0), rows=None, padding=1):
    """Tiles a batch of images into one uint8 picture.

    Args:
        images: Float array `(n, H, W, C)` with C in {1, 3}.
        value_range: Range of the images' values.
        rows: Rows of the grid; default the smallest square that fits.
        padding: Pixels of black border between tiles.

    Returns:
        A uint8 array `(rows * (H + padding) + padding, cols * ..., C)`.
    """
    images = to_uint8(images, value_range)
    n, height, width, channels = images.shape
    rows = rows or int(math.ceil(math.sqrt(n)))
    cols = int(math.ceil(n / rows))
    grid = np.zeros(
        (
            rows * (height + padding) + padding,
            cols * (width + padding) + padding,
            channels,
        ),
        dtype="uint8",
    )
    for index in range(n):
        r, c = divmod(index, cols)
        top = padding + r * (height + padding)
        left = padding + c * (width + padding)
        grid[top : top + height, left : left + width] = images[index]
    return grid


def save_image_grid(path, images, value_range=(-1.0, 1.0), rows=None):
    """Writes `image_grid(images)` as a PNG (atomically) and returns the grid."""
    from PIL import Image

    grid = image_grid(images, value_range, rows)
    picture = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    atomic_write(path, lambda tmp: picture.save(tmp, format="PNG"))
    return grid


def scatter_limit(reference):
    """Half-width of the shared square axes for samples of a mixture."""
    return 1.5 * float(np.abs(np.asarray(reference)).max())


def save_scatter(path, points, reference=None, title=None, limit=None):
    """Writes a scatter plot of 2D samples (over optional reference points).

    Args:
        path: PNG path.
        points: Array `(n, 2)` of generated samples.
        reference: Optional `(m, 2)` array marked on top (e.g. mode centres).
        title: Plot title.
        limit: Half-width of the square axes; default 1.5 times the
            reference's extent (so every picture of one dataset shares its
            axes and far-off samples show as off the plot), or fit to the
            points without a reference.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    points = np.asarray(points)
    figure, axes = plt.subplots(figsize=(4, 4), dpi=100)
    axes.scatter(points[:, 0], points[:, 1], s=2, alpha=0.4, c="tab:blue")
    if reference is not None:
        reference = np.asarray(reference)
        # On top of the samples, so covered modes stay visible.
        axes.scatter(reference[:, 0], reference[:, 1], s=60, facecolors="none",
                     edgecolors="tab:red", linewidths=1.2, zorder=3)
        if limit is None:
            limit = scatter_limit(reference)
    if limit is not None:
        axes.set_xlim(-limit, limit)
        axes.set_ylim(-limit, limit)
    axes.set_aspect("equal")
    if title:
        axes.set_title(title)
    figure.tight_layout()
    atomic_write(path, lambda tmp: figure.savefig(tmp, format="png"))
    plt.close(figure)
