"""Self-supervised pre-training of the correspondence module alone (colorization + cycle consistency)
on unlabeled video, for ``model.corr.frozen`` runs (``--set model.corr.checkpoint=<this run's checkpoint>``)."""
from __future__ import annotations

import logging

from ltr.config import TrainConfig
from ltr.data.config import DatasetEntry
from plugins.dctrack.train_settings import _base

log = logging.getLogger(__name__)


def config() -> TrainConfig:
    """Correspondence-only train config: unlabeled + synthetic video, tracking losses skipped."""
    cfg = _base.default_config(__doc__)
    # Changes vs default: data = the 'unlabeled' videos (when unlabeled_dir is set) and the synthetic
    # dataset; the actor skips every tracking loss (cls/ctr/iou/appearance) and the supervised
    # warped-prior loss; colorization and cycle weights 1; grayscale embedding input (colorization
    # must not see colour); no negative pairs (they carry nothing for a correspondence-only loss).
    train = [DatasetEntry("synthetic", "train", 1.0)]
    if _base.configured_roots(["unlabeled"]):
        train.insert(0, DatasetEntry("unlabeled", "test", 1.0))  # the reader's only split
    else:
        log.info("unlabeled_dir is not set: corr_pretrain trains on 'synthetic' only")
    cfg.data.train = train
    cfg.data.val = [DatasetEntry("synthetic", "val")]
    cfg.data.sampler.neg_ratio = 0.0
    cfg.data.noise.prior_drop_prob = 0.0
    cfg.model.corr.grayscale_input = True
    cfg.loss.tracking_losses = False
    cfg.loss.warp_prior = 0.0
    cfg.loss.colorization = 1.0
    cfg.loss.cycle = 1.0
    cfg.epochs = 10
    return cfg
