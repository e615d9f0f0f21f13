"""dctrack online tracker on a real OTB sequence and a generated one: boxes in range, one backbone pass per frame,
prior modes and reset, debug maps."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from common.boxes import from_one_based
from common.image_io import read_image
from dctrack_fakes import tiny_config
from plugins.dctrack.config import TrackerParams
from plugins.dctrack.bases import build_network
from plugins.dctrack.tracker import DCTrackTracker
from pytracking.tracker import Tracker, check_output


def _network(setting: str = "default", seed: int = 0):
    torch.manual_seed(seed)
    return build_network(tiny_config(setting).model).eval()


def _otb(shared_data, name: str = "Couple", n: int = 6):
    folder = shared_data / "sequences" / "otb" / name
    rows = [re.split(r"[,\s]+", line.strip()) for line in (folder / "groundtruth_rect.txt").read_text().splitlines()]
    gt = from_one_based(np.array([[float(v) for v in r[:4]] for r in rows if r and r[0]]))
    frames = sorted((folder / "img").glob("*.jpg"))[:n]
    return [read_image(p) for p in frames], gt


def _generated(n: int = 6, size: tuple[int, int] = (160, 200), seed: int = 0):
    """Textured background with a red square moving right and down by 3 px per frame."""
    rng = np.random.default_rng(seed)
    background = rng.integers(0, 120, (size[0], size[1], 3), dtype=np.uint8)
    frames, boxes = [], []
    for i in range(n):
        img = background.copy()
        x, y = 40 + 3 * i, 50 + 3 * i
        img[y:y + 30, x:x + 30] = (220, 30, 30)
        frames.append(img)
        boxes.append([x, y, 30.0, 30.0])
    return frames, np.array(boxes, dtype=np.float64)


def _count_backbone_calls(net) -> list:
    calls = []
    net.backbone.register_forward_hook(lambda *_: calls.append(1))
    return calls


def _in_range(box, image) -> bool:
    x, y, w, h = box
    height, width = image.shape[:2]
    return w > 0 and h > 0 and 0 <= x + w / 2 <= width and 0 <= y + h / 2 <= height and w <= width and h <= height


def test_tracks_a_real_otb_sequence(shared_data):
    frames, gt = _otb(shared_data)
    tracker = DCTrackTracker(TrackerParams(device="cpu"), _network())
    assert isinstance(tracker, Tracker)
    tracker.initialize(frames[0], gt[0])
    for image in frames[1:]:
        out = check_output(tracker.track(image), "dctrack")
        assert _in_range(out["box"], image), out["box"]
        assert 0.0 <= out["score"] <= 1.0


def test_tracks_a_generated_sequence_with_one_backbone_pass_per_frame():
    frames, boxes = _generated()
    tracker = DCTrackTracker(TrackerParams(device="cpu"), _network())
    calls = _count_backbone_calls(tracker.network)  # the tracker runs its own inference copy of the network
    tracker.initialize(frames[0], boxes[0])
    assert len(calls) == 2  # template + first search crop
    for image in frames[1:]:
        before = len(calls)
        out = tracker.track(image)
        assert len(calls) - before == 1
        assert _in_range(out["box"], image)


def test_prior_modes_change_the_prior_and_reset_turns_it_off():
    frames, boxes = _generated()
    net = _network()
    with torch.no_grad():
        net.cls_fusion.conv.weight.normal_(0, 0.5)  # make the prior matter
    results = {}
    for mode in ("normal", "zero", "shift"):
        tracker = DCTrackTracker(TrackerParams(device="cpu", prior_mode=mode, debug=1, precision="float32"), net)
        tracker.initialize(frames[0], boxes[0])
        results[mode] = tracker.track(frames[1])
    assert not np.allclose(results["normal"]["score_fused"], results["zero"]["score_fused"])
    assert not np.allclose(results["normal"]["score_fused"], results["shift"]["score_fused"])
    # an untrained network scores ~0.01: below the threshold the prior goes off after N frames
    params = TrackerParams(device="cpu", prior_reset_frames=2, prior_reset_threshold=0.5)
    tracker = DCTrackTracker(params, net)
    tracker.initialize(frames[0], boxes[0])
    tracker.track(frames[1])
    assert tracker.prior_on
    tracker.track(frames[2])
    assert not tracker.prior_on
    assert tracker._prior()[1].item() == 0.0


@pytest.mark.parametrize("watch,stays_on", [("fused", True), ("appearance", False)])
def test_prior_reset_watches_the_score_it_is_told_to(watch, stays_on):
    frames, boxes = _generated()
    params = TrackerParams(device="cpu", precision="float32", prior_reset_frames=2, prior_reset_threshold=0.5,
                           prior_reset_score=watch)
    tracker = DCTrackTracker(params, _network())
    real_step = tracker.network.track_step

    def prior_props_up_the_score(*args, **kwargs):
        out = real_step(*args, **kwargs)
        out["cls"] = torch.full_like(out["cls"], 5.0)                   # fused score 0.99: the prior says "here"
        if "cls_appearance" in out:
            out["cls_appearance"] = torch.full_like(out["cls_appearance"], -5.0)   # appearance 0.007: nothing here
        return out

    tracker.network.track_step = prior_props_up_the_score
    tracker.initialize(frames[0], boxes[0])
    for frame in frames[1:4]:
        assert tracker.track(frame)["score"] > 0.9
    assert tracker.prior_on is stays_on


def test_debug_maps_and_score_prior():
    frames, boxes = _generated()
    net = _network("ablate_prior_score")
    tracker = DCTrackTracker(TrackerParams(device="cpu", debug=2, precision="float32"), net)
    tracker.initialize(frames[0], boxes[0])
    out = tracker.track(frames[1])
    geo = net.geometry
    assert out["score_appearance"].shape == (geo.score.size,) * 2
    assert out["score_fused"].shape == (geo.score.size,) * 2
    assert out["warped_prior"].shape == (geo.feature.size,) * 2
    assert out["confidence"].shape == (geo.feature.size,) * 2
    assert out["crops"].shape == (geo.search_size, geo.search_size, 3)
    assert out["attention"].ndim == 2 and out["attention"].sum() == pytest.approx(1.0, abs=1e-4)
    prior, valid = tracker._prior()  # from the previous score map, on the feature grid
    assert prior.shape == (1, 1, geo.feature.size, geo.feature.size) and valid.item() == 1.0


def _randomise_batchnorm(net) -> None:
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)


def _maps(net, frames, boxes, dtype):
    """The network's output maps on frame 1 (template and previous crop from frame 0) with ``dtype`` inputs."""
    from plugins.dctrack.step import frame_step
    from pytracking.benchmark import network_inputs

    inputs = network_inputs(frame_step(net), net, frames[:2], boxes[:2])
    with torch.inference_mode():
        return inputs.step(inputs.searches[0].to(dtype))


@pytest.mark.parametrize("setting", ["default", "quick"])
def test_inference_copy_computes_what_the_trained_network_computes(setting):
    frames, boxes = _generated()
    net = _network(setting)
    _randomise_batchnorm(net)
    tracker = DCTrackTracker(TrackerParams(device="cpu", precision="float32"), net)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in tracker.network.modules())  # folded
    reference, optimised = _maps(net, frames, boxes, torch.float32), _maps(tracker.network, frames, boxes, torch.float32)
    for key in ("cls", "ctr", "box"):
        assert torch.allclose(reference[key], optimised[key], atol=1e-3, rtol=1e-4), key


def test_bfloat16_tracker_stays_close_to_float32():
    frames, boxes = _generated()
    net = _network()
    _randomise_batchnorm(net)
    tracker = DCTrackTracker(TrackerParams(device="cpu", precision="bfloat16", debug=2), net)
    assert next(tracker.network.parameters()).dtype == torch.bfloat16
    reference, low = _maps(net, frames, boxes, torch.float32), _maps(tracker.network, frames, boxes, torch.bfloat16)
    for key in ("cls", "box"):
        scale = reference[key].abs().max().item()
        assert (low[key].float() - reference[key]).abs().max().item() <= 0.05 * scale, key
    tracker.initialize(frames[0], boxes[0])
    out = tracker.track(frames[1])
    assert _in_range(out["box"], frames[1]) and isinstance(out["score"], float)
    for key in ("score_fused", "score_appearance", "warped_prior", "attention"):  # debug views get float32 maps
        assert out[key].dtype == np.float32, key


def test_baseline_network_tracks_without_prior():
    frames, boxes = _generated()
    tracker = DCTrackTracker(TrackerParams(device="cpu"), _network("baseline"))
    tracker.initialize(frames[0], boxes[0])
    assert _in_range(tracker.track(frames[1])["box"], frames[1])


def test_bad_input_is_refused():
    net = _network()
    with pytest.raises(ValueError, match="search_size"):
        DCTrackTracker(TrackerParams(device="cpu", search_size=303), net)
    tracker = DCTrackTracker(TrackerParams(device="cpu"), net)
    with pytest.raises(RuntimeError, match="before initialize"):
        tracker.track(np.zeros((50, 50, 3), np.uint8))
    with pytest.raises(ValueError, match="valid"):
        tracker.initialize(np.zeros((50, 50, 3), np.uint8), [1, 1, 0, 5])
