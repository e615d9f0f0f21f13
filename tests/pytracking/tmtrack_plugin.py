"""Source of a throwaway test plugin ``tmtrack``: a deterministic template-matching tracker (cv2.matchTemplate).

``write_plugin(root)`` creates ``root/tmtrack``; put ``root`` on DCTRACK_PLUGIN_PATH to use it.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

FILES = {
    "__init__.py": '''
        from common.plugins import PluginSpec
        from tmtrack.network import build_network
        from tmtrack.tracker import TMTracker

        PLUGIN = PluginSpec(name="tmtrack", build_network=build_network, build_actor=lambda network, cfg: None,
                            tracker_class=TMTracker, train_settings="tmtrack.train_settings",
                            parameters="tmtrack.parameters", description="template matching (tests)")
    ''',
    "network.py": '''
        import dataclasses
        import torch

        @dataclasses.dataclass
        class ModelConfig:
            shift: float = 0.0

        class ShiftNet(torch.nn.Module):
            """A one-parameter 'network': the tracker adds ``shift`` pixels to its x."""
            def __init__(self, cfg):
                super().__init__()
                self.shift = torch.nn.Parameter(torch.tensor(float(cfg.shift)))

        def build_network(cfg):
            return ShiftNet(cfg)
    ''',
    "tracker.py": '''
        import os
        import time
        import cv2
        import numpy as np
        from pytracking.tracker import Tracker

        class TMTracker(Tracker):
            """Finds the first-frame template in a window around the last position (normalised correlation)."""

            def initialize(self, image, box):
                self.box = np.asarray(box, dtype=np.float64).copy()
                gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
                x0, y0, x1, y1 = self._clip(self.box, gray.shape)
                self.template = gray[y0:y1, x0:x1].copy()
                self.frame = 0
                if self.box[0] < self.params.fail_if_init_x_below:
                    self.fail = True
                else:
                    self.fail = False

            def _clip(self, box, shape):
                h, w = shape[:2]
                x0 = int(np.clip(np.floor(box[0]), 0, w - 2)); y0 = int(np.clip(np.floor(box[1]), 0, h - 2))
                x1 = int(np.clip(np.ceil(box[0] + box[2]), x0 + 2, w)); y1 = int(np.clip(np.ceil(box[1] + box[3]), y0 + 2, h))
                return x0, y0, x1, y1

            def track(self, image):
                self.frame += 1
                if self.fail and self.frame == 3:
                    raise RuntimeError("tmtrack: deliberate failure for the test")
                if os.environ.get("TMTRACK_SLEEP"):  # test hook: slow tracking down without changing the manifest
                    time.sleep(float(os.environ["TMTRACK_SLEEP"]))
                gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
                th, tw = self.template.shape
                cx, cy = self.box[0] + self.box[2] / 2, self.box[1] + self.box[3] / 2
                sw, sh = tw * 3, th * 3
                win = np.array([cx - sw / 2, cy - sh / 2, sw, sh])
                x0, y0, x1, y1 = self._clip(win, gray.shape)
                region = gray[y0:y1, x0:x1]
                if region.shape[0] < th or region.shape[1] < tw:
                    return {"box": self.box.tolist(), "score": 0.0, "present": False}
                resp = cv2.matchTemplate(region, self.template, cv2.TM_CCOEFF_NORMED)
                _, best, _, (bx, by) = cv2.minMaxLoc(resp)
                shift = float(self.network.shift.item()) if self.network is not None else 0.0
                self.box = np.array([x0 + bx + shift, y0 + by, self.box[2], self.box[3]], dtype=np.float64)
                out = {"box": self.box.tolist(), "score": float(best), "present": bool(best > 0.3)}
                if self.params.debug > 0:  # debug maps only when asked (run_tracker --debug sets params.debug)
                    out.update({"score_fused": resp, "score_appearance": resp * 0.5, "warped_prior": np.stack([resp, -resp]),
                        "confidence": resp > best * 0.8, "attention": resp[:8, :8],
                        "crops": {"search": np.dstack([region] * 3)}})
                return out
    ''',
    "parameters/__init__.py": "",
    "parameters/default.py": '''
        import dataclasses

        @dataclasses.dataclass
        class Params:
            needs_checkpoint: bool = False
            fail_if_init_x_below: float = -1e9
            debug: int = 0
            train_setting: str = "s1"
            checkpoint: str = "best"

        def parameters():
            return Params()
    ''',
    "parameters/failing.py": '''
        import os
        from tmtrack.parameters.default import Params

        def parameters():
            return Params(fail_if_init_x_below=float(os.environ.get("TMTRACK_FAIL_X", "-1e9")))
    ''',
    "parameters/net.py": '''
        from tmtrack.parameters.default import Params

        def parameters():
            return Params(needs_checkpoint=True)
    ''',
    "train_settings/__init__.py": "",
    "train_settings/s1.py": '''
        from ltr.config import TrainConfig
        from tmtrack.network import ModelConfig

        def config():
            return TrainConfig(model=ModelConfig())
    ''',
}


def write_plugin(root: Path) -> Path:
    """Write the plugin under ``root/tmtrack`` and return ``root``."""
    for rel, text in FILES.items():
        path = root / "tmtrack" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def write_checkpoint(path: Path, shift: float) -> Path:
    """A real checkpoint of the tmtrack network (train setting s1) whose x shift is ``shift``."""
    from common.checkpoint import save_checkpoint
    from common.config import to_json
    from common.plugins import load_train_config

    cfg = load_train_config("tmtrack", "s1")
    cfg.model.shift = shift
    from tmtrack.network import build_network

    return save_checkpoint(path, {"plugin": "tmtrack", "setting": "s1", "config_json": to_json(cfg),
                                  "network": build_network(cfg.model).state_dict()})
