"""Dense correspondence between consecutive frames: where did each current cell come from in the previous frame?

An embedding head on backbone features gives L2-normalised vectors; every current cell attends (softmax of
cosine similarity / temperature) to the previous cells inside a (2r+1)^2 window around the same position
(or to all cells when radius is None). ``warp`` then carries any map of the previous frame (the target prior,
one-hot colour labels) into the current frame. Only unfold / einsum: memory grows with cells x window, the
local case never builds an HW x HW matrix.
"""
from __future__ import annotations

import dataclasses
import math

import torch
import torch.nn.functional as F
from torch import nn


@dataclasses.dataclass(frozen=True)
class Window:
    """Where the K attention weights of a cell point: a (2r+1)^2 window (radius r) or every cell (radius None)."""

    radius: int | None
    height: int
    width: int

    @property
    def size(self) -> int:
        """K, the number of weights per cell."""
        return self.height * self.width if self.radius is None else (2 * self.radius + 1) ** 2

    def offsets(self) -> list[tuple[int, int]]:
        """(dy, dx) of the K window positions in weight order (local windows only)."""
        if self.radius is None:
            raise ValueError("a global window has no offsets")
        r = self.radius
        return [(dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1)]


@dataclasses.dataclass
class Attention:
    """Attention of every current cell over previous cells.

    weights: [B, H*W, K], rows sum to 1 (0 at window positions outside the image); confidence: [B,1,H,W].
    """

    weights: torch.Tensor
    window: Window
    confidence: torch.Tensor
    logits: torch.Tensor | None = None


def window_valid_mask(window: Window, device=None) -> torch.Tensor:
    """[1, H*W, K] bool: which window positions of each cell fall inside the image."""
    h, w = window.height, window.width
    if window.radius is None:
        return torch.ones(1, h * w, h * w, dtype=torch.bool, device=device)
    ones = torch.ones(1, 1, h, w, device=device)
    return _unfold_window(ones, window.radius)[:, 0].transpose(1, 2) > 0.5


def _unfold_window(x: torch.Tensor, radius: int) -> torch.Tensor:
    """[B,C,H,W] -> [B,C,K,H*W]: the (2r+1)^2 neighbours of each cell, (dy, dx) row-major, zeros outside the image.

    Shifted slices of a zero-padded copy, in the same order as F.unfold's kernel positions.
    """
    b, c, h, w = x.shape
    k = 2 * radius + 1
    padded = F.pad(x, (radius, radius, radius, radius))
    patches = [padded[:, :, dy:dy + h, dx:dx + w] for dy in range(k) for dx in range(k)]
    return torch.stack(patches, dim=2).reshape(b, c, k * k, h * w)


def warp(attention: Attention, prev_map: torch.Tensor) -> torch.Tensor:
    """Carry a previous-frame map [B,C,H,W] into the current frame through the attention -> [B,C,H,W]."""
    win = attention.window
    b, c, h, w = prev_map.shape
    if (h, w) != (win.height, win.width):
        raise ValueError(f"warp: map is {h}x{w} but the attention was computed on {win.height}x{win.width} cells")
    # float32: the attention is computed in float32 (see ``attend``), and small bfloat16 matmuls are slower on CPUs
    weights, source = attention.weights.float(), prev_map.float()
    if win.radius is None:
        out = torch.einsum("bcm,bnm->bcn", source.reshape(b, c, h * w), weights)
    else:
        out = torch.einsum("bckn,bnk->bcn", _unfold_window(source, win.radius), weights)
    return out.reshape(b, c, h, w).to(prev_map.dtype).contiguous()


def attention_confidence(weights: torch.Tensor, valid: torch.Tensor | None, window: Window, kind: str) -> torch.Tensor:
    """Per-cell confidence [B,1,H,W]: the peak weight, or 1 - entropy / log(number of valid positions)
    (``valid`` None: every position is valid, as in global attention)."""
    b = weights.shape[0]
    if kind == "peak":
        conf = weights.max(dim=-1).values
    elif kind == "entropy":
        ent = -(weights * torch.log(weights.clamp(min=1e-12))).sum(dim=-1)
        if valid is None:
            count = torch.full_like(ent, float(max(window.size, 2)))
        else:
            count = valid.sum(dim=-1).to(weights.dtype).clamp(min=2.0)
        conf = (1.0 - ent / torch.log(count)).clamp(0.0, 1.0)
    else:
        raise ValueError(f"confidence must be peak or entropy, got '{kind}'")
    return conf.reshape(b, 1, window.height, window.width)


class CorrespondenceModule(nn.Module):
    """Embedding head + local (or global) softmax attention from the current to the previous frame."""

    def __init__(self, in_channels: int, embed_dim: int = 64, radius: int | None = 4, temperature: float = 0.07,
                 learn_temperature: bool = False, grayscale_input: bool = False, confidence: str = "peak",
                 hidden: int | None = None, embed_kernel: int = 1):
        super().__init__()
        if radius is not None and radius < 0:
            raise ValueError(f"radius must be >= 0 or None, got {radius}")
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        if confidence not in ("peak", "entropy"):
            raise ValueError(f"confidence must be peak or entropy, got '{confidence}'")
        if embed_kernel % 2 != 1:
            raise ValueError(f"embed_kernel must be odd (same-size output), got {embed_kernel}")
        hidden = hidden or max(2 * embed_dim, 64)
        self.radius, self.grayscale_input, self.confidence_kind = radius, grayscale_input, confidence
        self.embed_head = nn.Sequential(
            nn.Conv2d(in_channels, hidden, embed_kernel, padding=embed_kernel // 2), nn.ReLU(inplace=True),
            nn.Conv2d(hidden, embed_dim, 1))
        log_t = torch.tensor(math.log(temperature))
        if learn_temperature:
            self.log_temperature = nn.Parameter(log_t)
        else:
            self.register_buffer("log_temperature", log_t)
        for m in self.embed_head:
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)

    @property
    def temperature(self) -> torch.Tensor:
        """Softmax temperature (a learned scalar when learn_temperature)."""
        return self.log_temperature.exp()

    def embed(self, feat: torch.Tensor) -> torch.Tensor:
        """Features [B,C,H,W] -> L2-normalised embedding [B,D,H,W] (cache it for the next frame)."""
        return F.normalize(self.embed_head(feat), dim=1)

    def attend(self, cur_emb: torch.Tensor, prev_emb: torch.Tensor) -> Attention:
        """Attention of every current cell over the previous cells from two embeddings [B,D,H,W]."""
        if cur_emb.shape != prev_emb.shape:
            raise ValueError(f"current and previous embeddings differ: {tuple(cur_emb.shape)} vs {tuple(prev_emb.shape)}")
        b, d, h, w = cur_emb.shape
        window = Window(self.radius, h, w)
        # float32 whatever the network's dtype: a softmax over H*W cells at temperature 0.07 needs the precision,
        # and these small matmuls run faster in float32 than in bfloat16 on CPUs
        cur_emb, prev_emb = cur_emb.float(), prev_emb.float()
        cur = cur_emb.reshape(b, d, h * w)
        if self.radius is None:
            logits = torch.einsum("bdn,bdm->bnm", cur, prev_emb.reshape(b, d, h * w))
        else:
            logits = torch.einsum("bdn,bdkn->bnk", cur, _unfold_window(prev_emb, self.radius))
        logits = logits / self.temperature
        valid = None  # global attention: every position is valid, no mask to build (784 x 784 at 28 x 28 cells)
        if self.radius is not None:
            valid = window_valid_mask(window, cur_emb.device)
            logits = logits.masked_fill(~valid, float("-inf"))
        weights = torch.softmax(logits, dim=-1)
        conf = attention_confidence(weights, None if valid is None else valid.expand_as(weights), window,
                                    self.confidence_kind)
        return Attention(weights=weights, window=window, confidence=conf, logits=logits)

    def forward(self, cur_feat: torch.Tensor, prev_feat: torch.Tensor | None, cur_embed_input: torch.Tensor | None = None,
                prev_embed_input: torch.Tensor | None = None, prev_embedding: torch.Tensor | None = None) -> Attention:
        """Attention from current to previous frame; ``prev_embedding`` (from ``embed``) skips recomputing it.

        With grayscale_input the embeddings come from ``*_embed_input`` (features of the grayscale crops).
        """
        if self.grayscale_input:
            if cur_embed_input is None or (prev_embed_input is None and prev_embedding is None):
                raise ValueError("CorrespondenceModule(grayscale_input=True) needs cur_embed_input and "
                                 "prev_embed_input (features of the grayscale crops)")
            cur_src, prev_src = cur_embed_input, prev_embed_input
        else:
            cur_src, prev_src = cur_feat, prev_feat
        if prev_embedding is None:
            if prev_src is None:
                raise ValueError("CorrespondenceModule needs prev_feat or prev_embedding")
            prev_embedding = self.embed(prev_src)
        return self.attend(self.embed(cur_src), prev_embedding)

    def warp(self, attention: Attention, prev_map: torch.Tensor) -> torch.Tensor:
        """Carry a previous-frame map [B,C,H,W] into the current frame (see module-level ``warp``)."""
        return warp(attention, prev_map)
