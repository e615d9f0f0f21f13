"""Tiny network (backbone layer1/layer2 with batch norm and dropout, a head), actor and deterministic loaders."""
from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from pathlib import Path

import torch
from torch import nn

from common.geometry import Geometry, Grid

IN = 4


@dataclasses.dataclass
class TinyModel:
    hidden: int = 8
    dropout: float = 0.1
    batchnorm: bool = True


class TinyNet(nn.Module):
    """x (B,4) -> 'pred' (B,1), plus 'cls' (B,1,4,4) and 'box' (B,4,4,4) maps for the visdom pictures."""

    def __init__(self, cfg: TinyModel):
        super().__init__()
        self.geometry = Geometry(8, 16, Grid(4, 4.0, 2.0), Grid(4, 4.0, 2.0), 2)
        self.backbone = nn.Module()
        self.backbone.layer1 = nn.Sequential(nn.Linear(IN, cfg.hidden),
                                            nn.BatchNorm1d(cfg.hidden) if cfg.batchnorm else nn.Identity(), nn.ReLU())
        self.backbone.layer2 = nn.Sequential(nn.Linear(cfg.hidden, cfg.hidden), nn.ReLU(), nn.Dropout(cfg.dropout))
        self.head = nn.Linear(cfg.hidden, 1)
        self.score = nn.Linear(cfg.hidden, 16)

    def forward(self, batch: dict) -> dict:
        f = self.backbone.layer2(self.backbone.layer1(batch["x"]))
        b = f.shape[0]
        return {"pred": self.head(f), "cls": self.score(f).view(b, 1, 4, 4),
                "box": torch.full((b, 4, 4, 4), 3.0, device=f.device)}


def build_network(cfg: TinyModel) -> TinyNet:
    return TinyNet(cfg)


def weights_hash(module: nn.Module) -> str:
    h = hashlib.sha256()
    for k, v in sorted(module.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


class TinyActor(nn.Module):
    """MSE regression. Test hooks by env: TINY_HANG_AFTER (sleep after N training calls), TINY_DUMP_DIR (each
    rank writes the hash of its weights there on every validation call), TINY_NAN_AT (non-finite loss at call N)."""

    def __init__(self, network: TinyNet):
        super().__init__()
        self.network = network
        self.calls = 0

    def forward(self, batch: dict):
        if self.training:
            self.calls += 1
            hang = int(os.environ.get("TINY_HANG_AFTER", "0"))
            if hang and self.calls > hang:
                time.sleep(600)
            dump = os.environ.get("TINY_DUMP_DIR")
            if dump and self.calls == 1:
                rank = os.environ.get("RANK", "0")
                Path(dump, f"rank{rank}_first_batch.txt").write_text(repr(batch["x"].sum().item()))
        else:
            dump = os.environ.get("TINY_DUMP_DIR")
            if dump:
                rank = os.environ.get("RANK", "0")
                Path(dump, f"rank{rank}.txt").write_text(weights_hash(self.network))
        out = self.network(batch)
        loss = nn.functional.mse_loss(out["pred"], batch["y"])
        if self.training and int(os.environ.get("TINY_NAN_AT", "0")) == self.calls:
            loss = loss * float("nan")
        return loss, {"loss": loss.detach(), "mae": (out["pred"] - batch["y"]).abs().mean().detach()}


def build_actor(network: TinyNet, cfg) -> TinyActor:
    return TinyActor(network)


class TinyLoader:
    """Sample ``i`` of epoch ``e`` is a pure function of (seed, e, i); rank r of w takes samples r, r+w, ..."""

    def __init__(self, samples: int, batch_size: int, seed: int, rank: int, world_size: int, images: bool):
        self.batch_size, self.seed, self.rank, self.world = batch_size, seed, rank, world_size
        self.per_rank = samples // world_size
        self.images = images
        self.epoch, self.start = 0, 0

    def __len__(self) -> int:
        return self.per_rank // self.batch_size

    def set_epoch(self, epoch: int, start_batch: int = 0) -> None:
        self.epoch, self.start = epoch, start_batch

    def skip_report(self) -> str:
        return "no skips"

    def _sample(self, index: int) -> dict:
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch * 10_007 + index)
        x = torch.randn(IN, generator=g)
        y = (x * torch.tensor([1.0, -2.0, 0.5, 3.0])).sum(0, keepdim=True) + 0.1 * torch.randn(1, generator=g)
        s = {"x": x, "y": y}
        if self.images:
            s["template"] = torch.rand(3, 8, 8, generator=g) * 255
            s["search_cur"] = torch.rand(3, 16, 16, generator=g) * 255
            s["cur_box"] = torch.tensor([4.0, 4.0, 6.0, 5.0])
        return s

    def __iter__(self):
        for b in range(self.start, len(self)):
            idx = [self.rank + self.world * (b * self.batch_size + k) for k in range(self.batch_size)]
            samples = [self._sample(i) for i in idx]
            yield {k: torch.stack([s[k] for s in samples]) for k in samples[0]}
        self.start = 0


def build_loaders(cfg, network, rank: int, world_size: int):
    images = bool(int(os.environ.get("TINY_IMAGES", "0")))
    train = TinyLoader(cfg.samples_per_epoch, cfg.batch_size, cfg.seed, rank, world_size, images)
    val = TinyLoader(cfg.val.samples, cfg.batch_size, cfg.seed + 1, rank, world_size, images)
    return train, val
