"""Photometric augmentation of uint8 RGB crops as one affine colour transform (fast: one ``cv2.transform``).

Brightness, contrast, saturation, hue rotation and grayscale are all linear in RGB, so a draw is a 3x3 matrix
plus a contrast factor; applying it to several crops (jointly) reuses the same draw. Blur is a Gaussian blur.
Geometric augmentation (crop jitter, random resized crop, flip) happens in the plugin's processing through the
crop transforms, so boxes and target maps follow it exactly.
"""
from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

LUMA = np.array([0.299, 0.587, 0.114])
_YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
_YIQ_INV = np.linalg.inv(_YIQ)


@dataclasses.dataclass(frozen=True)
class ColorJitter:
    """One photometric draw: ``out = contrast * (M @ rgb) + (1 - contrast) * mean_luma(M @ rgb)``."""

    matrix: np.ndarray
    contrast: float = 1.0

    @staticmethod
    def identity() -> "ColorJitter":
        """No change."""
        return ColorJitter(np.eye(3), 1.0)

    def is_identity(self) -> bool:
        """True when applying it changes nothing."""
        return self.contrast == 1.0 and np.allclose(self.matrix, np.eye(3))

    def apply(self, image: np.ndarray) -> np.ndarray:
        """Apply to a uint8 RGB HxWx3 image (values saturate to [0, 255])."""
        if self.is_identity():
            return image
        mean_rgb = np.asarray(cv2.mean(image)[:3])
        mean_luma = float(LUMA @ (self.matrix @ mean_rgb))
        affine = np.zeros((3, 4), np.float32)
        affine[:, :3] = self.contrast * self.matrix
        affine[:, 3] = (1.0 - self.contrast) * mean_luma
        return cv2.transform(image, affine)


def gray_matrix() -> np.ndarray:
    """RGB -> luma replicated in the three channels."""
    return np.outer(np.ones(3), LUMA)


def hue_matrix(angle: float) -> np.ndarray:
    """Rotation of the chroma plane (YIQ) by ``angle`` radians: a hue shift that keeps luma."""
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    return _YIQ_INV @ rot @ _YIQ


def saturation_matrix(factor: float) -> np.ndarray:
    """Blend with the grayscale image: 0 gray, 1 unchanged."""
    return factor * np.eye(3) + (1.0 - factor) * gray_matrix()


def draw_color_jitter(rng: np.random.Generator, brightness: float, contrast: float, saturation: float, hue: float,
                      gray_prob: float) -> ColorJitter:
    """Random brightness/contrast/saturation factors in [1-x, 1+x], hue shift in [-hue, hue] turns, grayscale."""
    m = np.eye(3)
    if brightness > 0:
        m = rng.uniform(max(0.0, 1 - brightness), 1 + brightness) * m
    if saturation > 0:
        m = saturation_matrix(rng.uniform(max(0.0, 1 - saturation), 1 + saturation)) @ m
    if hue > 0:
        m = hue_matrix(2 * math.pi * rng.uniform(-hue, hue)) @ m
    c = rng.uniform(max(0.0, 1 - contrast), 1 + contrast) if contrast > 0 else 1.0
    if gray_prob > 0 and rng.random() < gray_prob:
        m = gray_matrix() @ m
    return ColorJitter(m, c)


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur with ``sigma`` pixels (unchanged when sigma <= 0)."""
    if sigma <= 0:
        return image
    return cv2.GaussianBlur(image, (0, 0), sigmaX=float(sigma), sigmaY=float(sigma))


def flip_box(box: np.ndarray, size: int) -> np.ndarray:
    """Mirror a crop-coordinate box horizontally in a crop of width ``size``."""
    b = np.asarray(box, dtype=np.float64).copy()
    b[0] = size - b[0] - b[2]
    return b


def flip_image(image: np.ndarray) -> np.ndarray:
    """Mirror an HxWxC image horizontally."""
    return np.ascontiguousarray(image[:, ::-1])
