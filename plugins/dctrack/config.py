"""The dctrack plugin's configuration sections: the network (``ModelConfig``), the loss weights
(``LossConfig``) and the online tracker's parameters (``TrackerParams``).

Every section validates itself (``common.config.validate_config`` calls ``validate``), so a typo in
``--set model.fusion.placement=bot`` fails with the key named.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

from common.config import require
from ltr.models.inference import PRECISIONS
from plugins.dctrack.priors import PRIOR_KINDS

BACKBONES = ("alexnet", "resnet18", "resnet50", "tiny")
BASES = ("siamfcpp", "nanotrack")
CONFIDENCE_KINDS = ("peak", "entropy")


@dataclasses.dataclass
class CorrespondenceConfig:
    """Dense correspondence between the previous and the current search features."""

    enabled: bool = True                # False: the SiamFC++-like baseline (no prior path at all)
    embed_dim: int = 64
    radius: Optional[int] = None        # local window radius in feature cells; None = global attention
    temperature: float = 0.07
    learn_temperature: bool = False
    confidence: str = "peak"            # peak (max attention weight) | entropy (1 - normalised entropy)
    grayscale_input: bool = False       # embed backbone features of the grayscale crops (a 2nd backbone pass per crop)
    frozen: bool = False                # no gradient into the module; weights from ``checkpoint``
    checkpoint: Optional[str] = None    # a corr_pretrain checkpoint (path, or file name under the workspace)

    def validate(self) -> None:
        require(self.embed_dim >= 1, f"embed_dim must be >= 1, got {self.embed_dim}")
        require(self.radius is None or self.radius >= 1, f"radius must be None or >= 1, got {self.radius}")
        require(self.temperature > 0, f"temperature must be positive, got {self.temperature}")
        require(self.confidence in CONFIDENCE_KINDS, f"confidence must be one of {CONFIDENCE_KINDS}, got '{self.confidence}'")
        require(not self.frozen or bool(self.checkpoint), "frozen correspondence needs checkpoint (a corr_pretrain run)")


@dataclasses.dataclass
class FusionConfig:
    """How the warped prior enters the correlation features (concat + zero-initialised 1x1 conv)."""

    placement: str = "cls"              # cls: classification path only | both: classification and regression
    use_confidence: bool = True         # concatenate the correspondence confidence too
    coord_channels: bool = False        # concatenate normalised x, y coordinates
    se_gate: bool = False               # squeeze-excitation gate on the fused residual
    prior_scale: float = 1.0            # the warped prior is multiplied by this before fusion
    feature_input: bool = True          # False: the fusion conv sees only the prior-side channels (no feature re-weighting)
    invalid_identity: bool = False      # True: the residual is multiplied by prior_valid, so an invalid prior
                                        # (dropped in training, reset by the tracker) leaves the base's features as
                                        # they are, exactly

    def validate(self) -> None:
        require(self.placement in ("cls", "both"), f"placement must be cls or both, got '{self.placement}'")
        require(self.prior_scale > 0, f"prior_scale must be positive, got {self.prior_scale}")


@dataclasses.dataclass
class ModelConfig:
    """The dctrack network: backbone, correlation, correspondence, prior fusion, head.

    ``base`` picks the Siamese tracker under the correspondence branch: ``siamfcpp`` (built from ``backbone``,
    adapters and head below; trained on GOT-10k-scale data) or ``nanotrack`` (NanoTrack v2's MobileNetV3 trunk and
    pixel-wise head, fixed sizes 127 / 255, started from the published weights in ``base_weights``; the
    ``backbone`` / adapter / head fields do not apply to it).
    """

    base: str = "siamfcpp"
    base_weights: Optional[str] = None  # nanotrack base: the published nanotrackv2.pth or a nanotrack checkpoint
                                        # (a path, or a file name under settings' pretrained_dir)
    backbone: str = "alexnet"
    pretrained: Optional[str] = None    # backbone weights: a path, or a file name under settings' pretrained_dir
    template_size: int = 127            # SiamFC++ z_size
    search_size: int = 303              # SiamFC++ x_size
    context: float = 0.5                # crop context (network.geometry.context): template side context_side(w, h, .)
    neck_channels: int = 0              # 1x1 channel reduction after the backbone; 0 = none
    corr_channels: int = 256            # channels of the cls/reg adapters correlated depth-wise
    adapter_kernel: int = 3             # SiamFC++ adapts template and search with 3x3 convs (no padding)
    head_channels: int = 256
    head_num_convs: int = 3
    head_kernel: int = 3
    head_padding: int = 0
    head_fast: bool = False             # depth-wise separable head convolutions (same geometry, fewer FLOPs)
    prior_kind: str = "gaussian"        # box | gaussian | center | direction | score (the processing renders it too)
    global_direction: bool = False      # add the attention-weighted mean target displacement as 2 prior channels
    nonlocal_block: bool = False
    nonlocal_position: str = "after_fusion"  # after_fusion | before_xcorr
    corr: CorrespondenceConfig = dataclasses.field(default_factory=CorrespondenceConfig)
    fusion: FusionConfig = dataclasses.field(default_factory=FusionConfig)

    def validate(self) -> None:
        require(self.base in BASES, f"base must be one of {BASES}, got '{self.base}'")
        if self.base == "nanotrack":
            require((self.template_size, self.search_size) == (127, 255),
                    f"the nanotrack base needs template_size 127 and search_size 255 (its pretrained head is built "
                    f"for 8x8 template cells), got {self.template_size} / {self.search_size}")
            require(not self.nonlocal_block and not self.neck_channels,
                    "the nanotrack base has no non-local block or neck: set nonlocal_block=False, neck_channels=0")
        require(self.backbone in BACKBONES, f"backbone must be one of {BACKBONES}, got '{self.backbone}'")
        require(self.prior_kind in PRIOR_KINDS, f"prior_kind must be one of {PRIOR_KINDS}, got '{self.prior_kind}'")
        require(0 < self.template_size < self.search_size, "need 0 < template_size < search_size")
        require(self.context >= 0, f"context must be >= 0, got {self.context}")
        require(self.neck_channels >= 0, "neck_channels must be >= 0")
        require(self.corr_channels >= 1 and self.head_channels >= 1, "corr_channels and head_channels must be >= 1")
        require(self.adapter_kernel in (1, 3), f"adapter_kernel must be 1 or 3, got {self.adapter_kernel}")
        require(self.head_num_convs >= 1, "head_num_convs must be >= 1")
        require(self.head_kernel % 2 == 1, "head_kernel must be odd")
        require(self.nonlocal_position in ("after_fusion", "before_xcorr"),
                f"nonlocal_position must be after_fusion or before_xcorr, got '{self.nonlocal_position}'")
        require(not self.global_direction or self.corr.enabled, "global_direction needs corr.enabled")

    @property
    def uses_prior(self) -> bool:
        """True when the network has the correspondence / prior path."""
        return self.corr.enabled


@dataclasses.dataclass
class LossConfig:
    """Loss weights (SiamFC++: cls 1, ctr 1, iou 3) and which losses negatives train."""

    cls: float = 1.0
    ctr: float = 1.0
    iou: float = 3.0
    appearance_cls: float = 0.5         # focal loss on the template-only score (keeps the appearance path honest)
    warp_prior: float = 1.0             # warped prior vs the current ground-truth prior (valid priors only)
    warp_prior_loss: str = "bce"        # bce | l2
    colorization: float = 0.1
    colorization_samples: int = 0       # the colorization term on the first N samples of each batch (0: all); its
                                        # grayscale backbone pass is half the correspondence's extra training work
    cycle: float = 0.1
    cls_loss: str = "focal"             # focal (SiamFC++) | balanced_bce (NanoTrack / SiamBAN's two-way cross-entropy)
    focal_alpha: float = 0.25
    focal_gamma: float = 2.0
    negatives: str = "all"              # all: every loss on negative pairs | corr_only: only correspondence losses
    tracking_losses: bool = True        # False: correspondence self-supervision only (corr_pretrain)

    def validate(self) -> None:
        for name in ("cls", "ctr", "iou", "appearance_cls", "warp_prior", "colorization", "cycle"):
            require(getattr(self, name) >= 0, f"{name} weight must be >= 0")
        require(self.colorization_samples >= 0, f"colorization_samples must be >= 0, got {self.colorization_samples}")
        require(self.cls_loss in ("focal", "balanced_bce"), f"cls_loss must be focal or balanced_bce, got '{self.cls_loss}'")
        require(self.negatives in ("all", "corr_only"), f"negatives must be all or corr_only, got '{self.negatives}'")
        require(self.warp_prior_loss in ("bce", "l2"), f"warp_prior_loss must be bce or l2, got '{self.warp_prior_loss}'")
        require(self.focal_gamma >= 0 and 0 <= self.focal_alpha <= 1, "need focal_gamma >= 0 and 0 <= focal_alpha <= 1")


@dataclasses.dataclass
class TrackerParams:
    """Online tracker parameters (a parameter file builds one).

    Post-processing defaults are SiamFC++'s AlexNet values for GOT-10k (megvii-research/video_analyst,
    experiments/siamfcpp/test/got10k/siamfcpp_alexnet-got.yaml: test_lr 0.52, window_influence 0.21,
    penalty_k 0.04, x_size 303; the VOT2018 file siamfcpp_alexnet.yaml uses 0.58 / 0.21 / 0.08).
    """

    train_setting: str = "default"      # the training run whose checkpoint the tracker loads
    checkpoint: str = "best"            # best | latest checkpoint of the train_setting's latest run
    device: str = "auto"                # auto | cpu | cuda
    precision: str = "auto"             # auto (bfloat16 where the device runs it natively, else float32) | float32 |
                                        # bfloat16: network weights and activations; the maps are decoded in float32
    compile: bool = False               # torch.compile the per-frame network work (needs a C++ compiler on a CPU;
                                        # compiles on the first frames; docs/speed.md)
    template_size: Optional[int] = None  # None: from the network's geometry (a value must agree with it)
    search_size: Optional[int] = None
    context: Optional[float] = None     # None: the network's crop context (geometry.context); a value must agree
    window_influence: float = 0.21
    penalty_k: float = 0.04
    size_lr: float = 0.52
    min_size: float = 4.0               # smallest box side in image pixels
    present_threshold: float = 0.3
    use_prior: bool = True
    prior_mode: str = "normal"          # normal | zero (prior zeroed) | shift (prior moved by one target size)
    prior_reset_frames: int = 5         # prior_valid -> 0 after this many consecutive low-score frames
    prior_reset_threshold: float = 0.2
    prior_reset_score: str = "fused"    # the score the reset watches at the chosen cell: fused (the tracker's own, which
                                        # the prior itself props up) | appearance (the template-only score: costs the
                                        # classification tower once more per frame)
    debug: int = 0                      # 0 none | 1 score maps | 2 maps + crops + attention (visdom address: settings)

    def validate(self) -> None:
        require(self.checkpoint in ("best", "latest"),
                f"checkpoint must be best or latest (pass a file with --checkpoint), got '{self.checkpoint}'")
        require(self.device in ("auto", "cpu", "cuda"), f"device must be auto, cpu or cuda, got '{self.device}'")
        require(self.precision in PRECISIONS, f"precision must be one of {tuple(PRECISIONS)}, got '{self.precision}'")
        require(0 <= self.window_influence <= 1, f"window_influence must be in [0, 1], got {self.window_influence}")
        require(self.penalty_k >= 0, f"penalty_k must be >= 0, got {self.penalty_k}")
        require(0 <= self.size_lr <= 1, f"size_lr must be in [0, 1], got {self.size_lr}")
        require(self.context is None or self.context >= 0, "context must be None or >= 0")
        require(self.min_size > 0, "min_size must be positive")
        require(self.prior_mode in ("normal", "zero", "shift"), f"prior_mode must be normal, zero or shift, got '{self.prior_mode}'")
        require(self.prior_reset_frames >= 1, "prior_reset_frames must be >= 1")
        require(self.prior_reset_score in ("fused", "appearance"),
                f"prior_reset_score must be fused or appearance, got '{self.prior_reset_score}'")
        require(self.debug >= 0, "debug must be >= 0")
        for name in ("template_size", "search_size"):
            value = getattr(self, name)
            require(value is None or value > 0, f"{name} must be None or positive")
