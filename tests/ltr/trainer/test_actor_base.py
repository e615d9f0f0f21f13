"""The shared actor base (ltr.trainer.actor) and the checkpoint-selection helper of TrainConfig."""
from __future__ import annotations

import pytest
import torch

from ltr.config import TrainConfig
from ltr.trainer.actor import Actor


def test_actor_moves_and_switches_its_network_and_unwraps_a_wrapper():
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout())
    actor = Actor(net, loss_cfg=None)
    assert actor.to("cpu") is actor and actor.eval() is actor and not net.training
    assert actor.train() is actor and net.training
    actor.network = torch.nn.Module()
    actor.network.module = net                  # as DistributedDataParallel holds it
    assert actor.core is net
    with pytest.raises(NotImplementedError, match="__call__"):
        actor({})


def test_select_by_tracking_sets_the_tracking_validation_and_the_metric():
    cfg = TrainConfig().select_by_tracking("cpu", dataset="otb", max_sequences=2)
    assert (cfg.val.tracking_every_epochs, cfg.val.tracking_dataset, cfg.val.tracking_param,
            cfg.val.tracking_max_sequences, cfg.checkpoint.best_metric) == (1, "otb", "cpu", 2, "track/auc")
