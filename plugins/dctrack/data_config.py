"""dctrack's data sections: the core's crop noise plus how the previous-frame prior is corrupted, and the core's
augmentation plus how the two search crops are augmented.

The prior's kind is not here: the processing renders ``model.prior_kind`` (one home: the model, stored with it in
the checkpoint)."""
from __future__ import annotations

import dataclasses

from common.config import ConfigError, require
from ltr.data.config import AugmentConfig, DataConfig, NoiseConfig


@dataclasses.dataclass
class PriorNoiseConfig(NoiseConfig):
    """Crop noise (core) and the corruption of the tracker's belief about the previous box (all 0: the exact box)."""

    prior_center_sigma: float = 0.1     # prior box centre noise, in units of the target size
    prior_scale_sigma: float = 0.1
    prior_wrong_object_prob: float = 0.05
    prior_drop_prob: float = 0.1

    def validate(self) -> None:
        super().validate()
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
class PairAugmentConfig(AugmentConfig):
    """The core augmentation plus how dctrack's two search crops (previous, current) are augmented."""

    same_transform: bool = False  # one geometric jitter for the previous and current crops
    simclr: SimCLRConfig = dataclasses.field(default_factory=SimCLRConfig)


@dataclasses.dataclass
class DCTrackDataConfig(DataConfig):
    """The core ``DataConfig`` with dctrack's prior noise and search-pair augmentation."""

    noise: PriorNoiseConfig = dataclasses.field(default_factory=PriorNoiseConfig)
    augment: PairAugmentConfig = dataclasses.field(default_factory=PairAugmentConfig)


def upgrade_config(stored: dict) -> dict:
    """A stored train config of an older run in today's layout (``PluginSpec.upgrade_config``): ``data.noise.context``
    became ``model.context``; ``data.prior_kind`` is gone, the processing renders ``model.prior_kind``, and a stored
    data kind that differed from the model's would change what the network sees, so it is an error naming both."""
    data = stored.get("data")
    noise = data.get("noise") if isinstance(data, dict) else None
    if isinstance(noise, dict) and "context" in noise:  # the crop context moved to the model (geometry.context)
        stored.setdefault("model", {}).setdefault("context", noise.pop("context"))
    if isinstance(data, dict) and "prior_kind" in data:
        kind = data.pop("prior_kind")
        model_kind = stored.get("model", {}).get("prior_kind", kind)
        if kind != model_kind:
            raise ConfigError(f"stored data.prior_kind '{kind}' differs from model.prior_kind '{model_kind}': "
                              f"the data now renders the model's kind")
    return stored
