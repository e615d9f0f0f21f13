"""Self-supervised colourisation target for the correspondence module (Vondrick et al. 2018 style).

Colours are quantised to ``num_clusters`` Lab centres; the previous frame's one-hot colour labels are warped
through the attention (computed from grayscale features) and must predict the current frame's labels.

Default centres: at construction the quantiser runs the same k-means (seed 0) on a fixed palette, the 4096
colours of a uniform 16x16x16 RGB cube, so a model is usable without data; ``fit(images)`` / ``fit_batch(crops)``
refit on real frames (training does that once, on its first batch) and set ``fitted``. Centres and the flag are
buffers, stored in the model's state_dict with the weights.
"""
from __future__ import annotations

import inspect
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from scipy.cluster.vq import kmeans2
from torch import nn

from common.geometry import Grid

_RGB_TO_XYZ = ((0.412453, 0.357580, 0.180423), (0.212671, 0.715160, 0.072169), (0.019334, 0.119193, 0.950227))
_WHITE_D65 = (0.950456, 1.0, 1.088754)


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB 0-255 [...,3,H,W] -> CIE Lab (L 0-100, a/b about -128..127), the same formulas as OpenCV's RGB2Lab."""
    c = (rgb / 255.0).clamp(0.0, 1.0)
    lin = torch.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = torch.tensor(_RGB_TO_XYZ, dtype=rgb.dtype, device=rgb.device)
    xyz = torch.einsum("ij,...jhw->...ihw", m, lin)
    xyz = xyz / torch.tensor(_WHITE_D65, dtype=rgb.dtype, device=rgb.device).view(3, 1, 1)
    f = torch.where(xyz > 0.008856, xyz.clamp(min=1e-12) ** (1.0 / 3.0), 7.787 * xyz + 16.0 / 116.0)
    fx, fy, fz = f.unbind(-3)
    y = xyz.select(-3, 1)
    lightness = torch.where(y > 0.008856, 116.0 * fy - 16.0, 903.3 * y)
    return torch.stack([lightness, 500.0 * (fx - fy), 200.0 * (fy - fz)], dim=-3)


def _kmeans(points: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k-means++ / Lloyd on [N,3] points with a fixed seed; centres sorted by (L, a, b) for a stable order."""
    kwargs = {"rng": np.random.default_rng(seed)} if "rng" in inspect.signature(kmeans2).parameters else {"seed": seed}
    centers, _ = kmeans2(points.astype(np.float64), k, iter=30, minit="++", **kwargs)
    order = np.lexsort((centers[:, 2], centers[:, 1], centers[:, 0]))
    return centers[order]


def _palette_points() -> np.ndarray:
    """Lab of a uniform 16x16x16 RGB cube, [4096, 3]."""
    v = np.linspace(0, 255, 16)
    r, g, b = np.meshgrid(v, v, v, indexing="ij")
    rgb = torch.tensor(np.stack([r, g, b]).reshape(3, 1, -1), dtype=torch.float32)
    return rgb_to_lab(rgb).reshape(3, -1).T.numpy()


def box_mean(x: torch.Tensor, size: int) -> torch.Tensor:
    """``avg_pool2d(x, size, stride=1)`` through an integral image: O(H W) instead of O(H W size^2)."""
    integral = F.pad(x.float(), (1, 0, 1, 0)).cumsum(-1).cumsum(-2)  # float32: sums < 2^24 * 255, error < 0.02
    total = (integral[..., size:, size:] - integral[..., :-size, size:] - integral[..., size:, :-size]
             + integral[..., :-size, :-size])
    return (total / (size * size)).to(x.dtype)


def _grid_pool(rgb: torch.Tensor, grid: Grid) -> torch.Tensor:
    """Mean colour of the stride x stride pixels around every cell centre of ``grid`` -> [B,3,S,S]."""
    s = max(int(round(grid.stride)), 1)
    box = box_mean(rgb, s)                                   # box[p] = mean of pixels p..p+s-1, centre p + s/2
    n_h, n_w = box.shape[-2:]
    idx = torch.as_tensor(grid.centers() - s / 2.0, dtype=rgb.dtype, device=rgb.device)
    gx = 2.0 * idx / max(n_w - 1, 1) - 1.0
    gy = 2.0 * idx / max(n_h - 1, 1) - 1.0
    yy, xx = torch.meshgrid(gy, gx, indexing="ij")
    coords = torch.stack([xx, yy], dim=-1).unsqueeze(0).expand(rgb.shape[0], -1, -1, -1)
    return F.grid_sample(box, coords, mode="bilinear", padding_mode="border", align_corners=True)


class LabQuantizer(nn.Module):
    """Nearest-of-``num_clusters`` Lab colour labels; ``centers`` [K,3] is a buffer (saved in the state_dict)."""

    def __init__(self, num_clusters: int = 16, seed: int = 0):
        super().__init__()
        if num_clusters < 2:
            raise ValueError(f"num_clusters must be >= 2, got {num_clusters}")
        self.num_clusters, self.seed = num_clusters, seed
        centers = _kmeans(_palette_points(), num_clusters, seed)
        self.register_buffer("centers", torch.tensor(centers, dtype=torch.float32))
        self.register_buffer("fitted", torch.zeros((), dtype=torch.bool))

    def fit(self, images: Sequence[np.ndarray], max_pixels: int = 200_000) -> "LabQuantizer":
        """Refit the centres by k-means in Lab on RGB uint8 HxWx3 images (fixed seed); returns self."""
        if len(images) == 0:
            raise ValueError("LabQuantizer.fit needs at least one image")
        points = []
        for i, img in enumerate(images):
            if img.ndim != 3 or img.shape[2] != 3:
                raise ValueError(f"LabQuantizer.fit: image {i} has shape {img.shape}, expected HxWx3 RGB")
            t = torch.from_numpy(np.ascontiguousarray(img)).float().permute(2, 0, 1)
            points.append(rgb_to_lab(t).reshape(3, -1).T.numpy())
        data = np.concatenate(points)
        rng = np.random.default_rng(self.seed)
        if len(data) > max_pixels:
            data = data[rng.choice(len(data), max_pixels, replace=False)]
        if len(np.unique(data.round(2), axis=0)) < self.num_clusters:
            raise ValueError(f"LabQuantizer.fit: the images have fewer than {self.num_clusters} distinct colours")
        centers = _kmeans(data, self.num_clusters, self.seed)
        self.centers.copy_(torch.tensor(centers, dtype=torch.float32, device=self.centers.device))
        self.fitted.fill_(True)
        return self

    def fit_batch(self, crops: torch.Tensor) -> "LabQuantizer":
        """``fit`` on a batch of RGB 0-255 crops [B,3,H,W] (any dtype / device); returns self."""
        if crops.dim() != 4 or crops.shape[1] != 3:
            raise ValueError(f"fit_batch expects [B,3,H,W] RGB, got {tuple(crops.shape)}")
        images = crops.detach().float().clamp(0, 255).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
        return self.fit(list(images))

    def quantize(self, rgb: torch.Tensor, size: int | Grid) -> torch.Tensor:
        """RGB 0-255 [B,3,H,W] -> colour labels [B,S,S]: area-average to the grid, Lab, nearest centre."""
        if rgb.dim() != 4 or rgb.shape[1] != 3:
            raise ValueError(f"quantize expects [B,3,H,W] RGB, got {tuple(rgb.shape)}")
        with torch.no_grad():
            rgb = rgb.float()
            small = _grid_pool(rgb, size) if isinstance(size, Grid) else F.adaptive_avg_pool2d(rgb, size)
            lab = rgb_to_lab(small)                                 # B,3,S,S
            d = ((lab.unsqueeze(1) - self.centers.view(1, -1, 3, 1, 1)) ** 2).sum(dim=2)
            return d.argmin(dim=1)


def colorization_loss(attention, prev_labels: torch.Tensor, cur_labels: torch.Tensor, num_clusters: int,
                      warp_fn: Callable, eps: float = 1e-6) -> torch.Tensor:
    """Cross-entropy of the warped previous one-hot colour labels against the current labels ([B,H,W] each)."""
    one_hot = F.one_hot(prev_labels.long(), num_clusters).permute(0, 3, 1, 2).float()
    prob = warp_fn(attention, one_hot)
    picked = prob.gather(1, cur_labels.long().unsqueeze(1))
    return -torch.log(picked.clamp(min=eps)).mean()
