"""Small builders for the analysis tests: an annotations-only OTB root and result folders."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from common.boxes import to_one_based


def make_otb_root(folder: Path, lengths=(30, 25, 20), seed: int = 0) -> dict:
    """An OTB100.json-only root with ``len(lengths)`` sequences; returns ``{name: gt (0-based)}``."""
    rng = np.random.default_rng(seed)
    entries, gts = {}, {}
    attrs = [["Occlusion", "Scale Variation"], ["Occlusion"], ["Fast Motion"]]
    for k, n in enumerate(lengths):
        name = f"Seq{k + 1}-{k % 2 + 1}" if k == 1 else f"Seq{k + 1}"
        gt = np.cumsum(rng.normal(0, 1.5, size=(n, 4)), axis=0) + [60, 50, 40, 30]
        gts[name] = gt
        entries[name] = {"video_dir": name, "init_rect": to_one_based(gt[0]).tolist(),
                         "img_names": [f"{name}/img/{i:04d}.jpg" for i in range(1, n + 1)],
                         "gt_rect": to_one_based(gt).tolist(), "attr": attrs[k % len(attrs)]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "OTB100.json").write_text(json.dumps(entries))
    return gts


def write_run(results_root: Path, plugin: str, run: str, dataset: str, boxes: dict, seconds: float = 0.02) -> Path:
    """Write ``{seq: boxes}`` as the runner does (0-based, comma separated, with time files)."""
    folder = results_root / plugin / run / dataset
    folder.mkdir(parents=True, exist_ok=True)
    for name, b in boxes.items():
        (folder / f"{name}.txt").write_text("".join(",".join(f"{v:.4f}" for v in row) + "\n" for row in b))
        (folder / f"{name}_time.txt").write_text("".join(f"{seconds:.6f}\n" for _ in b))
    return folder


def noisy(gts: dict, sigma: float, seed: int) -> dict:
    """Ground truth plus Gaussian noise (a plausible tracker)."""
    rng = np.random.default_rng(seed)
    return {k: v + rng.normal(0, sigma, size=v.shape) for k, v in gts.items()}
