"""Data-side configuration of a training run: datasets, sampling, crop noise, augmentation (a plugin may extend the
sections with its own fields, e.g. how its processing corrupts a previous-frame estimate)."""
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
    first_frame_prob: float = 0.0   # the previous frame is the template frame (the tracker's first step)
    min_visible: int = 2            # a video sequence needs at least this many visible frames to be sampled
    # Sequences without ground truth (the 'unlabeled' dataset) feed only a plugin's self-supervised terms
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
    """Tracker-like noise on the crop centres and scales (all 0 = crops centred exactly on the ground truth)."""

    search_center_sigma: float = 0.25   # search-crop centre noise, in units of the target size
    search_scale_sigma: float = 0.15    # log-normal scale jitter of the search crop
    template_center_sigma: float = 0.05
    template_scale_sigma: float = 0.05

    @classmethod
    def exact(cls) -> "NoiseConfig":
        """Every sigma and probability 0 (subclasses' fields too): crops centred on the ground truth. (The crop
        context is the network's: ``Geometry.context``.)"""
        return cls(**{f.name: 0.0 for f in dataclasses.fields(cls)})

    def is_exact(self) -> bool:
        """True when no noise is applied."""
        return all(getattr(self, f.name) == 0 for f in dataclasses.fields(self))

    def validate(self) -> None:
        for f in dataclasses.fields(self):
            require(getattr(self, f.name) >= 0, f"{f.name} must be >= 0")


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
    num_workers: int = 2
    positive_shrink: float = 0.0  # cls positives: cell centres inside the box shrunk by this fraction of w/h per side
    val_seed: int = 12345         # the validation loader's fixed seed (same samples every epoch)

    def validate(self) -> None:
        require(0 <= self.positive_shrink < 0.5, "positive_shrink must be in [0, 0.5)")
        require(len(self.train) > 0, "train needs at least one dataset")
        require(self.num_workers >= 0, "num_workers must be >= 0")
