"""Real-video dctrack recipe for a 2-core CPU (~30 min from scratch): the CPU-sized network of ``quick``
trained on real annotated sequences plus the synthetic dataset.

Environment (dataset roots come from settings, never from this file), e.g. from the repo root:
    export DCTRACK_OTB_DIR=../shared/data/sequences/otb DCTRACK_DSST_DIR=../shared/data/sequences/dsst
    export DCTRACK_UNLABELED_DIR=../shared/data/unlabeled   # settings with correspondence only
    # evaluation also needs DCTRACK_VOT_DIR=../shared/data/sequences/vot DCTRACK_UAV123_DIR=../shared/data/sequences/uav123

Fixed split (a training sequence is never used to report accuracy):
    train:    otb David, Jogging-1, Jogging-2, MotorRolling; dsst dog1 (+ synthetic)
    held out: otb Couple, Crossing, Football1; vot bag; uav123 wakeboard7
Jogging-1 and Jogging-2 share their frames, so both are on the training side. Settings with correspondence also
draw the unlabeled DAVIS frames (weight 1): those samples train only the colorization and cycle terms. The
baseline has no correspondence, so it would learn nothing from them and does not draw them.
"""
from __future__ import annotations

from ltr.config import TrainConfig
from ltr.data.config import DatasetEntry
from plugins.dctrack.train_settings import _base
from plugins.dctrack.train_settings.quick import cpu_schedule, quick_model

TRAIN_SEQUENCES = {"otb": ["David", "Jogging-1", "Jogging-2", "MotorRolling"], "dsst": ["dog1"]}
HELDOUT_SEQUENCES = {"otb": ["Couple", "Crossing", "Football1"], "vot": ["bag"], "uav123": ["wakeboard7"]}


def real_cpu_config(description: str = "") -> TrainConfig:
    """The recipe on top of any already-switched default config (ablations call this last)."""
    cfg = _base.default_config(description)
    return apply_real_cpu(cfg)


def apply_real_cpu(cfg: TrainConfig) -> TrainConfig:
    """CPU-sized model, real training split + synthetic, CPU optimiser and schedule."""
    # No root check here: the config must build anywhere (tests, --list); the loader names a missing root
    # ("dataset 'otb' has no root: set otb_dir ... or DCTRACK_OTB_DIR") when training starts.
    quick_model(cfg)
    cfg.data.train = [DatasetEntry("otb", "test", 2.0, list(TRAIN_SEQUENCES["otb"])),
                      DatasetEntry("dsst", "test", 1.0, list(TRAIN_SEQUENCES["dsst"])),
                      DatasetEntry("synthetic", "train", 1.0)]
    if cfg.model.corr.enabled and not cfg.model.corr.frozen:
        cfg.data.train.append(DatasetEntry("unlabeled", "test", 1.0))
    cfg.data.val = [DatasetEntry("synthetic", "val")]
    return cpu_schedule(cfg, epochs=20)


def config() -> TrainConfig:
    """The real-video CPU recipe (default dctrack switches, CPU-sized)."""
    return real_cpu_config(__doc__)
