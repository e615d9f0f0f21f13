"""The published NanoTrack v2 weights: safe import, strict load, equality with the published ONNX pair."""
from __future__ import annotations

import os
import pickle

import cv2
import numpy as np
import pytest
import torch

from common.checkpoint import CheckpointError, load_checkpoint, load_network, load_weights
from plugins.nanotrack.config import ModelConfig
from plugins.nanotrack.network import NanoTrackNet
from plugins.nanotrack.weights import import_published, load_published_into, load_published_state_dict


def _published_net(path) -> NanoTrackNet:
    net = NanoTrackNet(ModelConfig()).eval()
    load_weights(net, load_published_state_dict(path), path)
    return net


def test_plain_weights_only_load_refuses_the_published_file(published_weights):
    with pytest.raises(pickle.UnpicklingError):
        torch.load(published_weights, map_location="cpu", weights_only=True)


def test_published_state_dict_loads_strictly(published_weights):
    state = load_published_state_dict(published_weights)
    assert not any(k.startswith("neck.") for k in state)
    assert len(state) == 298 - 6                            # the README's 298 tensors less the unused neck's 6
    net = _published_net(published_weights)
    assert set(net.state_dict()) == set(state)
    assert torch.equal(net.state_dict()["ban_head.cls_pred.0.bias"], state["ban_head.cls_pred.0.bias"])


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_file_carrying_code_is_refused(tmp_path):
    path = tmp_path / "evil.pth"
    torch.save({"state_dict": {"w": torch.zeros(1)}, "optimizer": _RunsCode()}, path)
    with pytest.raises(CheckpointError, match="evil.pth.*refused"):
        load_published_state_dict(path)
    net = NanoTrackNet(ModelConfig())
    with pytest.raises(CheckpointError, match="refused"):
        load_published_into(net, path)


def test_bad_files_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        load_published_state_dict(tmp_path / "missing.pth")
    (tmp_path / "junk.pth").write_bytes(b"not a torch file")
    with pytest.raises(CheckpointError, match="junk.pth"):
        load_published_state_dict(tmp_path / "junk.pth")
    torch.save({"state_dict": {"w": "text"}}, tmp_path / "strings.pth")
    with pytest.raises(CheckpointError, match="strings.pth.*state_dict"):
        load_published_state_dict(tmp_path / "strings.pth")


def test_import_writes_a_toolkit_checkpoint_once(published_weights, tmp_path):
    target = import_published(published_weights, tmp_path / "ws")
    data = load_checkpoint(target)                          # weights_only=True, toolkit format
    assert data["plugin"] == "nanotrack" and data["epoch"] == 0
    stamp = target.stat().st_mtime_ns
    assert import_published(published_weights, tmp_path / "ws") == target
    assert target.stat().st_mtime_ns == stamp              # reused, not rewritten
    net, info = load_network(target, plugin="nanotrack")
    assert info["setting"] == "finetune"
    ref = _published_net(published_weights)
    for key, value in ref.state_dict().items():
        assert torch.equal(net.state_dict()[key], value), key


def test_damaged_import_is_reported_not_replaced(published_weights, tmp_path):
    target = import_published(published_weights, tmp_path / "ws")
    target.write_bytes(b"damaged")
    with pytest.raises(CheckpointError, match=target.name):
        import_published(published_weights, tmp_path / "ws")
    assert target.read_bytes() == b"damaged"


def _onnx_outputs(folder, template_bgr, search_bgr):
    backbone = cv2.dnn.readNet(str(folder / "nanotrack_backbone_sim.onnx"))
    head = cv2.dnn.readNet(str(folder / "nanotrack_head_sim.onnx"))
    feats = []
    for crop in (template_bgr, search_bgr):
        backbone.setInput(cv2.dnn.blobFromImage(crop, 1.0, swapRB=False))
        feats.append(backbone.forward().copy())
    head.setInput(feats[0], "input1")
    head.setInput(feats[1], "input2")
    cls, box = head.forward(["output1", "output2"])
    return feats, cls, box


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / np.abs(b).max())


def test_network_equals_published_onnx_pair(published_weights):
    folder = published_weights.parent
    if not (folder / "nanotrack_head_sim.onnx").is_file():
        pytest.skip(f"the ONNX pair is absent from {folder}")
    rng = np.random.default_rng(0)
    template_bgr = rng.integers(0, 256, (127, 127, 3), dtype=np.uint8)
    search_bgr = cv2.GaussianBlur(rng.integers(0, 256, (255, 255, 3), dtype=np.uint8), (5, 5), 2)
    (zf_ref, xf_ref), cls_ref, box_ref = _onnx_outputs(folder, template_bgr, search_bgr)
    net = _published_net(published_weights)
    as_rgb_tensor = lambda bgr: torch.from_numpy(bgr[..., ::-1].transpose(2, 0, 1).copy()).float()[None]  # noqa: E731
    with torch.no_grad():
        zf = net.template_features(as_rgb_tensor(template_bgr))
        xf = net.search_features(as_rgb_tensor(search_bgr))
        out = net.track_step(zf, xf)
    assert _rel(zf.numpy(), zf_ref) < 1e-4 and _rel(xf.numpy(), xf_ref) < 1e-4
    assert _rel(out["cls"].numpy(), cls_ref) < 1e-4
    assert _rel(out["box"].numpy(), box_ref) < 1e-4


def test_folded_channel_swap_keeps_the_outputs():
    torch.manual_seed(0)
    net = NanoTrackNet(ModelConfig()).eval()
    crop = torch.rand(1, 3, 127, 127) * 255
    with torch.no_grad():
        before = net.features(crop)
        net.fold_channel_swap()
        net.fold_channel_swap()                                 # idempotent
        after = net.features(crop)
    assert torch.allclose(before, after, atol=1e-4)
