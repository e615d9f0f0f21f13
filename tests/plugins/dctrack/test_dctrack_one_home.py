"""One home per value: what training and tracking must agree on (crop context, crop sizes, prior kind) lives with
the model, is stored in the checkpoint, and the tracker reads it from the network; a parameter that disagrees is an
error naming both values."""
from __future__ import annotations

import json

import numpy as np
import pytest

from common.checkpoint import CheckpointError, rebuild_config
from common.config import apply_overrides, to_dict
from common.plugins import get_plugin
from dctrack_fakes import tiny_config
from plugins.dctrack.config import TrackerParams
from plugins.dctrack.tracker import DCTrackTracker


def _network(*overrides: str):
    cfg = tiny_config("quick")
    apply_overrides(cfg, list(overrides))
    return cfg, get_plugin("dctrack").build_network(cfg.model).eval()


def _checkpoint(stored: dict, setting: str = "quick") -> dict:
    return {"plugin": "dctrack", "setting": setting, "config_json": json.dumps(stored)}


def test_the_crop_context_is_the_networks_and_the_tracker_uses_it():
    _, net = _network("model.context=0.8")
    assert net.geometry.context == 0.8
    tracker = DCTrackTracker(TrackerParams(device="cpu", precision="float32"), net)
    tracker.size = np.array([20.0, 10.0])
    side = np.sqrt((20 + 0.8 * 30) * (10 + 0.8 * 30))  # context_side with the network's context
    assert tracker._search_side() == pytest.approx(side * net.geometry.search_size / net.geometry.template_size)


@pytest.mark.parametrize("name, value", [("context", 0.7), ("search_size", 255), ("template_size", 31)])
def test_a_parameter_that_disagrees_with_the_network_names_both_values(name, value):
    _, net = _network()
    with pytest.raises(ValueError, match=rf"params.{name}={value} but the network was trained with "
                                         rf"{getattr(net.geometry, name)}"):
        DCTrackTracker(TrackerParams(device="cpu", precision="float32", **{name: value}), net)


def test_a_checkpoint_carries_context_and_prior_kind():
    cfg, _ = _network("model.context=0.6", "model.prior_kind=box")
    rebuilt = rebuild_config(_checkpoint(to_dict(cfg)))
    net = get_plugin("dctrack").build_network(rebuilt.model)
    assert (net.geometry.context, net.cfg.prior_kind) == (0.6, "box")


def test_an_old_checkpoint_config_moves_its_crop_context_to_the_model():
    cfg, _ = _network()
    stored = to_dict(cfg)
    del stored["model"]["context"]
    stored["data"]["noise"]["context"] = 0.65         # where older runs stored it
    stored["data"]["prior_kind"] = stored["model"]["prior_kind"]
    assert rebuild_config(_checkpoint(stored)).model.context == 0.65
    stored["data"]["prior_kind"] = "box" if stored["model"]["prior_kind"] != "box" else "gaussian"
    with pytest.raises(CheckpointError, match="data.prior_kind .* differs from model.prior_kind"):
        rebuild_config(_checkpoint(stored))
