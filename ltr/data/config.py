"""Data-side configuration of a training run: datasets, sampling, crop noise, prior corruption, augmentation."""
from __future__ import annotations

import dataclasses

from common.config import require


@dataclasses.dataclass
class DatasetEntry:
    """One training dataset: a registry name (``common.datasets``), its split, and its sampling weight."""

    name: str = "synthetic"
    split: str = "train"
    weight: float = 1.0
    sequences: list = dataclasses.field(default_factory=list)  # restrict to these sequence names (empty: all)

    def validate(self) -> None:
        require(self.weight > 0, f"weight must be positive, got {self.weight}")


@dataclasses.dataclass
class SamplerConfig:
    """How a (template, previous, current) triplet is drawn from a sequence."""

    template_first_prob: float = 0.5
    gap_min: int = 1
    gap_max: int = 3
    template_max_gap: int = 100
    neg_ratio: float = 0.2
    max_tries: int = 100
    first_frame_prob: float = 0.0   # the previous frame is the template frame (the tracker's first step: exact prior)
    min_visible: int = 2            # a video sequence needs at least this many visible frames to be sampled
    # Sequences without ground truth (the 'unlabeled' dataset) train only the self-supervised correspondence
    # terms: their crops are placed around a pseudo box whose side is this fraction of the frame's shorter side.
    unlabeled_box_min: float = 0.15
    unlabeled_box_max: float = 0.4

    def validate(self) -> None:
        require(0 <= self.first_frame_prob <= 1, "first_frame_prob must be in [0, 1]")
        require(self.max_tries >= 1, "max_tries must be >= 1")
        require(self.min_visible >= 1, "min_visible must be >= 1")
        require(1 <= self.gap_min <= self.gap_max, f"need 1 <= gap_min <= gap_max, got {self.gap_min}, {self.gap_max}")
        require(0 <= self.neg_ratio <= 1, f"neg_ratio must be in [0, 1], got {self.neg_ratio}")
        require(0 <= self.template_first_prob <= 1, "template_first_prob must be in [0, 1]")
        require(0 < self.unlabeled_box_min <= self.unlabeled_box_max <= 1,
                "need 0 < unlabeled_box_min <= unlabeled_box_max <= 1")


@dataclasses.dataclass
class NoiseConfig:
    """Tracker-like noise on the crop centres and on the previous-frame prior (all 0 = the seed's exact setting)."""

    context: float = 0.5
    search_center_sigma: float = 0.25   # search-crop centre noise, in units of the target size
    search_scale_sigma: float = 0.15    # log-normal scale jitter of the search crop
    prior_center_sigma: float = 0.1     # prior box centre noise, in units of the target size
    prior_scale_sigma: float = 0.1
    prior_wrong_object_prob: float = 0.05
    prior_drop_prob: float = 0.1
    template_center_sigma: float = 0.05
    template_scale_sigma: float = 0.05

    @classmethod
    def exact(cls, context: float = 0.5) -> "NoiseConfig":
        """Every sigma and probability 0: crops centred on the ground truth, the prior is the exact previous box."""
        return cls(context=context, search_center_sigma=0.0, search_scale_sigma=0.0, prior_center_sigma=0.0,
                   prior_scale_sigma=0.0, prior_wrong_object_prob=0.0, prior_drop_prob=0.0,
                   template_center_sigma=0.0, template_scale_sigma=0.0)

    def is_exact(self) -> bool:
        """True when no noise is applied (the seed's exact setting)."""
        return all(getattr(self, f.name) == 0 for f in dataclasses.fields(self) if f.name != "context")

    def validate(self) -> None:
        for f in dataclasses.fields(self):
            require(getattr(self, f.name) >= 0, f"{f.name} must be >= 0")
        require(self.prior_drop_prob <= 1 and self.prior_wrong_object_prob <= 1, "probabilities must be <= 1")


@dataclasses.dataclass
class SimCLRConfig:
    """SimCLR-style augmentation of the two search crops (off by default). The photometric part is drawn
    independently for the previous and current crop; the batch then also holds the undistorted crops
    ``search_prev_clean`` / ``search_cur_clean`` (the colour target)."""

    enabled: bool = False
    crop_scale_min: float = 0.6     # random resized crop: side fraction of the search crop, in [crop_scale_min, 1]
    color_prob: float = 0.8         # probability of the strong colour distortion
    color_strength: float = 0.5     # brightness/contrast/saturation 0.8*s, hue 0.2*s
    gray_prob: float = 0.2
    blur_prob: float = 0.5
    blur_sigma_min: float = 0.1     # Gaussian blur sigma in crop pixels, uniform in [min, max]
    blur_sigma_max: float = 2.0

    def validate(self) -> None:
        require(0 < self.crop_scale_min <= 1, "crop_scale_min must be in (0, 1]")
        for name in ("color_prob", "gray_prob", "blur_prob"):
            require(0 <= getattr(self, name) <= 1, f"{name} must be in [0, 1]")
        require(0 <= self.blur_sigma_min <= self.blur_sigma_max, "need 0 <= blur_sigma_min <= blur_sigma_max")


@dataclasses.dataclass
class AugmentConfig:
    """Photometric and geometric augmentation, applied jointly to the three crops unless said otherwise."""

    brightness: float = 0.2
    contrast: float = 0.2
    saturation: float = 0.2
    hue: float = 0.02
    gray_prob: float = 0.05
    blur_prob: float = 0.1
    flip_prob: float = 0.0
    same_transform: bool = False  # one geometric jitter for the previous and current crops
    simclr: SimCLRConfig = dataclasses.field(default_factory=SimCLRConfig)

    def validate(self) -> None:
        require(0 <= self.gray_prob <= 1 and 0 <= self.blur_prob <= 1 and 0 <= self.flip_prob <= 1, "probabilities must be in [0, 1]")


@dataclasses.dataclass
class DataConfig:
    """Everything that turns datasets into training batches."""

    train: list[DatasetEntry] = dataclasses.field(default_factory=lambda: [DatasetEntry()])
    val: list[DatasetEntry] = dataclasses.field(default_factory=lambda: [DatasetEntry(split="val")])
    sampler: SamplerConfig = dataclasses.field(default_factory=SamplerConfig)
    noise: NoiseConfig = dataclasses.field(default_factory=NoiseConfig)
    augment: AugmentConfig = dataclasses.field(default_factory=AugmentConfig)
    prior_kind: str = "gaussian"  # what the processing renders as the previous prior; see the plugin
    num_workers: int = 2
    positive_shrink: float = 0.0  # cls positives: cell centres inside the box shrunk by this fraction of w/h per side
    val_seed: int = 12345         # the validation loader's fixed seed (same samples every epoch)

    def validate(self) -> None:
        from ltr.data.targets import PRIOR_KINDS

        require(self.prior_kind in PRIOR_KINDS, f"prior_kind must be one of {PRIOR_KINDS}, got '{self.prior_kind}'")
        require(0 <= self.positive_shrink < 0.5, "positive_shrink must be in [0, 0.5)")
        require(len(self.train) > 0, "train needs at least one dataset")
        require(self.num_workers >= 0, "num_workers must be >= 0")
