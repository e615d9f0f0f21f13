"""nanotrack training: processing (crops, ellipse labels), the actor's losses, the finetune setting end to end."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from common.datasets import load_dataset
from common.plugins import load_train_config
from ltr.data.loader import build_loader
from plugins.nanotrack.actor import balanced_cross_entropy, build_actor
from plugins.nanotrack.network import build_network
from plugins.nanotrack.processing import BATCH_KEYS, IGNORE, ellipse_labels


@pytest.fixture
def cfg():
    c = load_train_config("nanotrack", "finetune")
    c.model.init_weights = None           # random weights: no shared data needed
    c.batch_size, c.data.num_workers = 4, 0
    return c


def test_ellipse_labels_follow_nanotrack():
    grid = build_network(load_train_config("nanotrack", "finetune").model).geometry.score
    box = np.array([127.5 - 40, 127.5 - 24, 80, 48])         # centred on cell 8 (crop centre)
    labels = ellipse_labels(box, grid, negative=False)
    assert labels[8, 8] == 1 and labels[0, 0] == 0 and (labels == IGNORE).any()
    assert labels[8, 9] == 1 and labels[8, 10] == IGNORE      # 16 px < w/4 = 20; 32 px between w/4 and w/2
    neg = ellipse_labels(box, grid, negative=True)
    assert neg[8, 8] == 0 and neg[0, 0] == IGNORE
    assert (ellipse_labels(None, grid, negative=False) == 0).all()


def test_loader_batches_and_actor_losses(cfg):
    network = build_network(cfg.model)
    sequences = load_dataset("synthetic", "train")[:3]
    loader = build_loader(cfg, network.geometry, "train", datasets=[("synthetic", sequences, 1.0)])
    loader.set_epoch(0)
    batch = next(iter(loader))
    assert set(BATCH_KEYS) <= set(batch)
    assert batch["template"].shape[1:] == (3, 127, 127) and batch["search"].shape[1:] == (3, 255, 255)
    assert batch["cls_target"].shape[1:] == (16, 16) and batch["box_target"].shape[1:] == (4, 16, 16)
    batch = {k: (v.float() if torch.is_tensor(v) else v) for k, v in batch.items()}
    actor = build_actor(network, cfg)
    loss, stats = actor(batch)
    loss.backward()
    assert torch.isfinite(loss) and {"loss/cls", "loss/iou", "peak_in_target"} <= set(stats)
    assert network.ban_head.cls_pred[0].weight.grad is not None


def test_balanced_cross_entropy_ignores_and_balances():
    logits = torch.zeros(1, 2, 2, 2)
    logits[0, 1, 0, 0] = 5.0                                    # confident fg on the positive cell
    target = torch.tensor([[[1.0, 0.0], [0.0, IGNORE]]])
    loss = balanced_cross_entropy(logits, target)
    expected = 0.5 * -torch.log_softmax(torch.tensor([0.0, 5.0]), 0)[1] + 0.5 * np.log(2)
    assert loss == pytest.approx(float(expected), rel=1e-5)


def test_finetune_starts_from_the_published_weights(published_weights):
    c = load_train_config("nanotrack", "finetune")
    network = build_network(c.model)
    build_actor(network, c)
    from plugins.nanotrack.weights import load_published_state_dict

    state = load_published_state_dict(published_weights)
    assert torch.equal(network.state_dict()["ban_head.bbox_pred.0.weight"], state["ban_head.bbox_pred.0.weight"])
