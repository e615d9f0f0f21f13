"""Shared builder of the dctrack train settings: the recommended ``default`` configuration.

Every setting file calls ``default_config()`` and changes only what it is about, so ``diff_configs``
between two settings shows exactly the experiment's switch. The training datasets are chosen when
``config()`` runs: GOT-10k / LaSOT / TrackingNet / COCO for those whose root is set in settings,
otherwise the built-in synthetic dataset (logged, so a run never silently trains on toy data).
"""
from __future__ import annotations

import logging

from ltr.config import TrainConfig
from ltr.data.config import DatasetEntry
from plugins.dctrack.config import LossConfig, ModelConfig
from plugins.dctrack.data_config import DCTrackDataConfig
from settings import load_settings

log = logging.getLogger(__name__)

# (registry name, train split, sampling weight) of the real training datasets, SiamFC++-like mix.
REAL_TRAIN = (("got10k", "train", 1.0), ("lasot", "train", 1.0), ("trackingnet", "train", 1.0), ("coco", "train", 0.5))


def configured_roots(names) -> list[str]:
    """Which of the dataset ``names`` have a root set in settings (nothing is read from disk)."""
    settings = load_settings()
    return [n for n in names if settings.dataset_root(n)]


def training_datasets() -> tuple[list[DatasetEntry], list[DatasetEntry]]:
    """Train / val dataset lists: the configured real datasets, else the synthetic one."""
    present = configured_roots([n for n, _, _ in REAL_TRAIN])
    if not present:
        log.info("no real training dataset root is set (got10k/lasot/trackingnet/coco): training on 'synthetic'")
        return [DatasetEntry("synthetic", "train")], [DatasetEntry("synthetic", "val")]
    log.info("training datasets from settings: %s", ", ".join(present))
    train = [DatasetEntry(n, split, w) for n, split, w in REAL_TRAIN if n in present]
    val = [DatasetEntry("got10k", "val")] if "got10k" in present else [DatasetEntry("synthetic", "val")]
    return train, val


def default_config(description: str = "") -> TrainConfig:
    """The recommended dctrack run: SiamFC++-AlexNet's network (template 127 / search 303, 3x3 adapters,
    256-channel towers of 3 convs) with the correspondence branch on top, noisy gaussian prior with dropout, fusion
    on the classification path, every loss on negative pairs, colorization weight 0.1."""
    train, val = training_datasets()
    cfg = TrainConfig(
        description=description,
        epochs=20,
        samples_per_epoch=160000 if train[0].name != "synthetic" else 20000,
        batch_size=32,
        data=DCTrackDataConfig(train=train, val=val),
        # SiamFC++-AlexNet's architecture (ModelConfig's defaults), so that dctrack against the published SiamFC++ is
        # a comparison at equal network. The trimmed, faster network is the variant 'default_small' (variants.py).
        model=ModelConfig(),
        loss=LossConfig(),
    )
    cfg.optim.lr = 0.04
    cfg.optim.backbone_lr_mult = 0.1
    cfg.optim.warmup_epochs = 1
    return cfg
