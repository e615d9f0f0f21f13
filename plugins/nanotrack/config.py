"""The nanotrack plugin's configuration sections: the network (``ModelConfig``), the loss weights (``LossConfig``)
and the online tracker's parameters (``TrackerParams``, see ``params.py``)."""
from __future__ import annotations

import dataclasses
from typing import Optional

from common.config import require

# The published NanoTrack v2 weights, relative to the repository root (the shared data folder beside it);
# a bare file name is also looked up under settings' pretrained_dir (see weights.resolve_weights).
PUBLISHED_WEIGHTS = "../shared/data/weights/nanotrack/nanotrackv2.pth"


@dataclasses.dataclass
class ModelConfig:
    """NanoTrack v2: MobileNetV3-small trunk (stride 16) + pixel-wise correlation head."""

    backbone: str = "mobilenetv3_small"
    template_size: int = 127
    search_size: int = 255
    head_channels: int = 96             # tower width
    head_layers: int = 6                # depth-wise separable layers per tower
    init_weights: Optional[str] = PUBLISHED_WEIGHTS  # training starts from these (published .pth or a checkpoint)

    def validate(self) -> None:
        require(self.backbone == "mobilenetv3_small", f"backbone must be mobilenetv3_small, got '{self.backbone}'")
        require(0 < self.template_size < self.search_size, "need 0 < template_size < search_size")
        require(self.head_channels >= 1 and self.head_layers >= 1, "head_channels and head_layers must be >= 1")


@dataclasses.dataclass
class LossConfig:
    """NanoTrack's losses: cross-entropy over fg / bg score cells and an IoU loss on the boxes of fg cells."""

    cls: float = 1.0
    iou: float = 1.0
    iou_kind: str = "linear"            # linear | log | giou (ltr.models.losses.iou_loss)

    def validate(self) -> None:
        require(self.cls >= 0 and self.iou >= 0, "loss weights must be >= 0")
        require(self.iou_kind in ("linear", "log", "giou"), f"iou_kind must be linear, log or giou, got '{self.iou_kind}'")


ROUNDINGS = ("opencv", "exact")
REPORTS = ("opencv", "float")


@dataclasses.dataclass
class TrackerParams:
    """Online tracker parameters (a parameter file builds one).

    Defaults reproduce OpenCV 5.0's ``cv2.TrackerNano`` (modules/video/src/tracking/tracker_nano.cpp): window
    influence 0.455, penalty_k 0.055, lr 0.37, context 0.5, square-rooted Hann window, crops padded with the current
    frame's mean, the crop placed on whole pixels and the result decoded as it does (``crop``/``decode`` = opencv),
    its scale penalty, which compares the candidates' padded size with the padded size of the target *position*
    (``scale_reference = position``), and the integer box it reports (``report = opencv``). The published Python tracker (SiamTrackers NanoTrack, configv2.yaml: 0.490 /
    0.150 / 0.385) compares with the target size and uses the plain Hann window: see parameters/published.py.
    """

    train_setting: str = ""             # "": the published weights (``weights``); else that training run's checkpoint
    checkpoint: str = "best"            # best | latest checkpoint of the train_setting's latest run
    weights: str = PUBLISHED_WEIGHTS    # imported on first use into <workspace>/imported/nanotrack/
    device: str = "auto"                # auto | cpu | cuda
    precision: str = "float32"          # float32 | bfloat16 | auto (see ltr.models.inference)
    compile: bool = False               # torch.compile the per-frame network work (needs a C++ compiler on a CPU;
                                        # compiles on the first frames; docs/speed.md)
    context: float = 0.5
    window_influence: float = 0.455
    penalty_k: float = 0.055
    size_lr: float = 0.37
    min_size: float = 10.0              # smallest box side in image pixels (both trackers: 10)
    present_threshold: float = 0.3      # fg probability at the chosen cell below which 'present' is False
    window_sqrt: bool = True            # OpenCV's createHanningWindow takes the square root of the outer product
    scale_reference: str = "position"   # position (cv2.TrackerNano) | size (the published Python tracker)
    pad_mean: str = "frame"             # frame: mean of the frame being cropped (OpenCV) | first: of the first frame
    crop: str = "opencv"                # opencv: integer window as cv2.TrackerNano places it | exact: sub-pixel crop
    decode: str = "opencv"              # opencv: the crop is taken as centred on the target, scale 127 / s_z |
                                        # exact: through the crop's own transform
    report: str = "opencv"              # opencv: the box reported as cv2.Tracker.update reports it, each of x, y, w,
                                        # h truncated to an integer (the state stays continuous) | float: as it is
    debug: int = 0                      # 0 none | 1 score maps | 2 + the search crop

    def validate(self) -> None:
        from ltr.models.inference import PRECISIONS
        from pytracking.postprocess import validate_postprocess

        require(self.checkpoint in ("best", "latest"),
                f"checkpoint must be best or latest (pass a file with --checkpoint), got '{self.checkpoint}'")
        require(self.device in ("auto", "cpu", "cuda"), f"device must be auto, cpu or cuda, got '{self.device}'")
        require(self.precision in PRECISIONS, f"precision must be one of {tuple(PRECISIONS)}, got '{self.precision}'")
        validate_postprocess(self)
        require(self.context >= 0, f"context must be >= 0, got {self.context}")
        require(self.scale_reference in ("position", "size"),
                f"scale_reference must be position or size, got '{self.scale_reference}'")
        require(self.pad_mean in ("frame", "first"), f"pad_mean must be frame or first, got '{self.pad_mean}'")
        require(self.crop in ROUNDINGS and self.decode in ROUNDINGS, f"crop and decode must be one of {ROUNDINGS}")
        require(self.report in REPORTS, f"report must be one of {REPORTS}, got '{self.report}'")
        require(self.debug >= 0, "debug must be >= 0")

    def provide_checkpoint(self):
        """The checkpoint of the published ``weights`` (imported once into the workspace) when no train_setting is
        named; None otherwise (the run's checkpoint is then found as for every plugin)."""
        if self.train_setting:
            return None
        from pytracking.api import CheckpointNotFound
        from plugins.nanotrack.weights import import_published

        try:
            return import_published(self.weights)
        except FileNotFoundError as exc:
            raise CheckpointNotFound(str(exc)) from None
