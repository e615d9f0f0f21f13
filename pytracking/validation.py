"""Tracking validation during training: track a few sequences of a dataset with the network being trained
and score them with ``common.metrics``.

``ltr`` never imports this module: a plugin declares it as its ``PluginSpec.tracking_validation`` (plugins may
import both halves), and the trainer calls whatever the plugin declared.
"""
from __future__ import annotations

import logging
from typing import Any

from common.datasets import DatasetError, dataset_info, load_dataset
from common.metrics import evaluate_dataset, preset_for_dataset
from common.plugins import get_plugin, load_parameters
from pytracking.api import track_sequence

log = logging.getLogger(__name__)


def tracking_validation(network: Any, cfg: Any, epoch: int) -> dict:
    """Track ``cfg.val.tracking_max_sequences`` sequences of ``cfg.val.tracking_dataset`` with the plugin's tracker
    (parameter file ``cfg.val.tracking_param``) around ``network``; returns ``{'auc', 'precision'}`` (``{}`` when the
    dataset cannot be read, logged)."""
    name = cfg.val.tracking_dataset
    try:
        splits = dataset_info(name).splits
        sequences = load_dataset(name, "val" if "val" in splits else None)[: cfg.val.tracking_max_sequences]
    except DatasetError as exc:
        log.warning("epoch %d: tracking validation skipped: %s", epoch, exc)
        return {}
    tracker = get_plugin(cfg.plugin).tracker_class(load_parameters(cfg.plugin, cfg.val.tracking_param), network)
    pairs = []
    for seq in sequences:
        boxes, _, _ = track_sequence(tracker, seq)
        pairs.append((boxes, seq.ground_truth, seq.visible))
    scores = evaluate_dataset(pairs, preset_for_dataset(name))
    log.info("epoch %d: tracking on %d %s sequences: AUC %.3f", epoch, len(pairs), name, scores.auc)
    return {"auc": scores.auc, "precision": scores.precision}
