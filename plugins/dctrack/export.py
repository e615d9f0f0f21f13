"""Export dctrack's per-frame tracking step as a self-contained graph (torch.export, and ONNX when available).

``TrackStep``: (search crop, previous features, previous embedding, prior, prior_valid, template kernels,
target size in crop pixels) -> (box xywh crop pixels, score, size lr, new features, new embedding), i.e. one
backbone pass, warp, fusion, head, decoding and the SiamFC++ cell selection. Cropping, rendering the prior
and the image-coordinate update stay outside (cheap numpy). ``TemplateStep`` makes the kernels once.

    python -m plugins.dctrack.export --checkpoint CKPT --out dctrack_step.pt2 [--onnx dctrack_step.onnx]
"""
from __future__ import annotations

import argparse
import importlib.util
import logging
from pathlib import Path
from typing import Optional

import torch
from torch import nn

from common.atomic import atomic_open
from ltr.models.box_coding import decode_ltrb
from plugins.dctrack.config import TrackerParams
from pytracking.postprocess import cosine_window

log = logging.getLogger(__name__)

STEP_INPUTS = ("search", "prev_feat", "prev_embedding", "prior", "prior_valid", "cls_kernel", "reg_kernel", "target_wh")
STEP_OUTPUTS = ("box", "score", "lr", "feat", "embedding")


def _padded_size(w: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    pad = (w + h) * 0.5
    return torch.sqrt((w + pad) * (h + pad))


def _change(r: torch.Tensor) -> torch.Tensor:
    return torch.maximum(r, 1.0 / r)


class TemplateStep(nn.Module):
    """Template crop (1,3,T,T 0-255 RGB) -> (cls kernel, reg kernel)."""

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network = network

    def forward(self, template: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Kernels of the template crop."""
        k = self.network.template_kernels(template)
        return k["cls"], k["reg"]


class TrackStep(nn.Module):
    """One tracking step of a dctrack network with SiamFC++ cell selection (see module docstring)."""

    def __init__(self, network: nn.Module, params: Optional[TrackerParams] = None):
        super().__init__()
        params = params or TrackerParams()
        self.network = network
        self.window_influence = float(params.window_influence)
        self.penalty_k = float(params.penalty_k)
        self.size_lr = float(params.size_lr)
        self.register_buffer("window", torch.from_numpy(cosine_window(network.geometry.score.size)).float())

    def forward(self, search, prev_feat, prev_embedding, prior, prior_valid, cls_kernel, reg_kernel, target_wh):
        """Inputs as ``STEP_INPUTS``; returns ``STEP_OUTPUTS`` (box (4,), score (), lr (), feat, embedding)."""
        net = self.network
        cur = net.search_features(search)
        prev = {"feat": prev_feat, "embedding": prev_embedding}
        out = net.track_step({"cls": cls_kernel, "reg": reg_kernel}, cur, prev, prior, prior_valid)
        score = torch.sigmoid(out["cls"]).flatten()
        weighted = score if out.get("ctr") is None else score * torch.sigmoid(out["ctr"]).flatten()
        boxes = decode_ltrb(out["box"], net.geometry.score)[0]
        w, h = boxes[:, 2].clamp(min=1e-6), boxes[:, 3].clamp(min=1e-6)
        tw, th = target_wh[0].clamp(min=1e-6), target_wh[1].clamp(min=1e-6)
        s_c = _change(_padded_size(w, h) / _padded_size(tw, th))
        r_c = _change((tw / th) / (w / h))
        penalty = torch.exp(-(r_c * s_c - 1.0) * self.penalty_k)
        pscore = (1.0 - self.window_influence) * penalty * weighted + self.window_influence * self.window
        best = torch.argmax(pscore)
        lr = penalty[best] * weighted[best] * self.size_lr
        embedding = cur.get("embedding", torch.zeros_like(prev_embedding))
        return boxes[best], score[best], lr, cur["feat"], embedding


def example_inputs(network: nn.Module, search: Optional[torch.Tensor] = None, template: Optional[torch.Tensor] = None,
                   target_wh: Optional[torch.Tensor] = None) -> tuple:
    """A valid input tuple for ``TrackStep`` (random crops unless given), state from a first search crop."""
    geo = network.geometry
    gen = torch.Generator().manual_seed(0)
    if template is None:
        template = torch.rand(1, 3, geo.template_size, geo.template_size, generator=gen) * 255
    if search is None:
        search = torch.rand(1, 3, geo.search_size, geo.search_size, generator=gen) * 255
    with torch.no_grad():
        kernels = network.template_kernels(template)
        first = network.search_features(search)
    f = geo.feature.size
    prior_ch = network.prior_channels - (2 if network.cfg.global_direction else 0)
    prior = torch.zeros(1, prior_ch, f, f)
    prior[..., f // 2 - 1:f // 2 + 2, f // 2 - 1:f // 2 + 2] = 1.0
    embedding = first.get("embedding", torch.zeros(1))
    wh = target_wh if target_wh is not None else torch.tensor([geo.template_size / 2.0, geo.template_size / 2.0])
    return (search, first["feat"], embedding, prior, torch.ones(1), kernels["cls"], kernels["reg"], wh)


def export_program(network: nn.Module, params: Optional[TrackerParams] = None, inputs: Optional[tuple] = None):
    """``torch.export`` of the tracking step (network in eval mode)."""
    network.eval()
    step = TrackStep(network, params).eval()
    inputs = inputs if inputs is not None else example_inputs(network)
    with torch.no_grad():
        return torch.export.export(step, inputs)


def save_program(program, path: str | Path) -> Path:
    """Write an exported program atomically (``.pt2``)."""
    path = Path(path)
    with atomic_open(path, "wb") as handle:
        torch.export.save(program, handle)
    return path


def onnx_available() -> bool:
    """True when the ``onnx`` package is installed (torch's ONNX exporter needs it)."""
    return importlib.util.find_spec("onnx") is not None


def export_onnx(network: nn.Module, path: str | Path, params: Optional[TrackerParams] = None,
                inputs: Optional[tuple] = None) -> Path:
    """ONNX export of the tracking step; raises RuntimeError without the onnx package."""
    if not onnx_available():
        raise RuntimeError("ONNX export needs the 'onnx' package (pip install onnx); torch.export works without it")
    network.eval()
    step = TrackStep(network, params).eval()
    inputs = inputs if inputs is not None else example_inputs(network)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.onnx.export(step, inputs, str(tmp), input_names=list(STEP_INPUTS), output_names=list(STEP_OUTPUTS),
                      opset_version=17, dynamo=False)
    tmp.replace(path)
    return path


def main(argv: Optional[list] = None) -> int:
    """CLI: export the tracking step of a checkpoint."""
    from common.checkpoint import load_network

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, help="a dctrack training checkpoint (.pth)")
    parser.add_argument("--out", required=True, help="output .pt2 file (torch.export)")
    parser.add_argument("--onnx", default=None, help="also write this .onnx file (needs the onnx package)")
    args = parser.parse_args(argv)
    network, info = load_network(args.checkpoint, "cpu", plugin="dctrack")
    program = export_program(network)
    print(f"wrote {save_program(program, args.out)} (setting {info.get('setting')}, epoch {info.get('epoch')})")
    if args.onnx:
        print(f"wrote {export_onnx(network, args.onnx)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
