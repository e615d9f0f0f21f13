"""Backbones: torchvision-compatible names and shapes, pretrained loading, sane init, normaliser, timings."""
from __future__ import annotations

import logging
import time

import pytest
import torch

from ltr.models.backbones import build_backbone, load_pretrained
from ltr.models.geometry import compute_geometry
from ltr.models.normalize import ImageNormalizer, to_grayscale

log = logging.getLogger(__name__)

# names and shapes as torchvision's resnet18 / resnet50 state_dicts have them (layer3 is dilated, not reshaped)
EXPECTED = {
    "resnet18": {
        "conv1.weight": (64, 3, 7, 7), "bn1.running_mean": (64,), "layer1.0.conv1.weight": (64, 64, 3, 3),
        "layer2.0.downsample.0.weight": (128, 64, 1, 1), "layer2.0.downsample.1.running_var": (128,),
        "layer3.0.conv1.weight": (256, 128, 3, 3), "layer3.0.downsample.0.weight": (256, 128, 1, 1),
        "layer3.1.bn2.running_var": (256,), "layer3.1.bn2.num_batches_tracked": (),
    },
    "resnet50": {
        "conv1.weight": (64, 3, 7, 7), "layer1.0.downsample.0.weight": (256, 64, 1, 1),
        "layer1.2.conv3.weight": (256, 64, 1, 1), "layer2.3.bn3.weight": (512,),
        "layer3.0.conv2.weight": (256, 256, 3, 3), "layer3.0.downsample.0.weight": (1024, 512, 1, 1),
        "layer3.5.bn3.running_var": (1024,),
    },
    "alexnet": {
        "features.0.weight": (96, 3, 11, 11), "features.1.running_mean": (96,), "features.4.weight": (256, 96, 5, 5),
        "features.8.weight": (384, 256, 3, 3), "features.11.weight": (384, 384, 3, 3),
        "features.14.weight": (256, 384, 3, 3), "features.15.running_var": (256,),
    },
    "tiny": {"features.0.weight": (32, 3, 3, 3)},
}
CHANNELS = {"alexnet": 256, "resnet18": 256, "resnet50": 1024, "tiny": 128}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parameter_names_and_shapes(name):
    model = build_backbone(name)
    state = model.state_dict()
    for key, shape in EXPECTED[name].items():
        assert key in state, key
        assert tuple(state[key].shape) == shape, key
    assert not any(k.startswith(("fc.", "layer4.")) for k in state)
    assert model.out_channels == CHANNELS[name] and model.stride == 8


def _save(tmp_path, data, name="w.pth"):
    path = tmp_path / name
    torch.save(data, path)
    return path


def test_load_pretrained_round_trip(tmp_path):
    src = build_backbone("resnet18")
    with torch.no_grad():
        for p in src.parameters():
            p.normal_()
    state = dict(src.state_dict())
    state["fc.weight"] = torch.zeros(1000, 512)
    state["layer4.0.conv1.weight"] = torch.zeros(512, 256, 3, 3)
    for wrapped in (state, {"state_dict": {f"module.{k}": v for k, v in state.items()}}):
        dst = build_backbone("resnet18")
        report = load_pretrained(dst, _save(tmp_path, wrapped))
        assert report.unexpected == ["fc.weight", "layer4.0.conv1.weight"] and report.missing == []
        for k, v in src.state_dict().items():
            assert torch.equal(dst.state_dict()[k], v), k
    built = build_backbone("resnet18", pretrained_path=_save(tmp_path, state))
    assert torch.equal(built.conv1.weight, src.conv1.weight)


def test_load_pretrained_partial_file_reports_missing(tmp_path):
    src = build_backbone("resnet18").state_dict()
    partial = {k: v for k, v in src.items() if not k.startswith("layer3.")}
    report = load_pretrained(build_backbone("resnet18"), _save(tmp_path, partial))
    assert report.missing and all(k.startswith("layer3.") for k in report.missing)
    assert "layer3" in report.summary()


def test_load_pretrained_prefix_and_rename(tmp_path):
    src = build_backbone("tiny", width=(8, 8, 8, 8, 16))
    assert src.out_channels == 16
    other_naming = {f"backbone.net.{k}": v for k, v in src.state_dict().items()}
    dst = build_backbone("tiny", width=(8, 8, 8, 8, 16))
    report = load_pretrained(dst, _save(tmp_path, other_naming), prefix="backbone.",
                             rename=lambda k: k.replace("net.", "", 1) if not k.endswith("num_batches_tracked") else None)
    assert report.missing and all(k.endswith("num_batches_tracked") for k in report.missing)
    assert torch.equal(dst.features[0].weight, src.features[0].weight)


def test_load_pretrained_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="pretrained_dir"):
        build_backbone("resnet50", pretrained_path=tmp_path / "resnet50.pth")
    bad = build_backbone("resnet18").state_dict()
    bad["conv1.weight"] = torch.zeros(64, 3, 3, 3)
    with pytest.raises(ValueError, match=r"conv1\.weight"):
        load_pretrained(build_backbone("resnet18"), _save(tmp_path, bad))
    with pytest.raises(ValueError, match="no parameter name"):
        load_pretrained(build_backbone("resnet18"), _save(tmp_path, {"foo.weight": torch.zeros(3)}, "x.pth"))
    (tmp_path / "junk.pth").write_text("not a checkpoint")
    with pytest.raises(ValueError, match="junk.pth"):
        load_pretrained(build_backbone("tiny"), tmp_path / "junk.pth")
    with pytest.raises(ValueError, match="unknown backbone"):
        build_backbone("vgg16")


@pytest.mark.parametrize("name", ["alexnet", "resnet18", "tiny"])
def test_from_scratch_init_trains(name):
    torch.manual_seed(0)
    model = build_backbone(name).train()
    x = torch.randn(2, 3, 127, 127)
    feat = model(x)
    assert torch.isfinite(feat).all() and 0.1 < float(feat.detach().std()) < 10.0
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    target = torch.randn_like(feat)
    losses = []
    for _ in range(3):
        loss = ((model(x) - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_normalizer_and_grayscale():
    norm = ImageNormalizer()
    x = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1).expand(2, 3, 4, 4) * 255
    assert torch.allclose(norm(x), torch.zeros(2, 3, 4, 4), atol=1e-5)
    assert "mean" in norm.state_dict() and "std" in norm.state_dict()
    rgb = torch.rand(2, 3, 5, 5) * 255
    gray = to_grayscale(rgb)
    assert gray.shape == rgb.shape and torch.equal(gray[:, 0], gray[:, 2])
    expected = 0.299 * rgb[:, 0] + 0.587 * rgb[:, 1] + 0.114 * rgb[:, 2]
    assert torch.allclose(gray[:, 1], expected, atol=1e-4)
    with pytest.raises(ValueError, match="RGB"):
        norm(torch.zeros(1, 1, 4, 4))


SEARCH = {"alexnet": (127, 303), "resnet18": (127, 255), "resnet50": (127, 255), "tiny": (127, 255)}


def test_forward_times_at_search_size(capsys):
    """Prints each backbone's forward time at its search size (2 threads); asserts the output grid only."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        for name, (template, search) in SEARCH.items():
            model = build_backbone(name).eval()
            geo = compute_geometry(model, template, search)
            x = torch.rand(1, 3, search, search)
            with torch.no_grad():
                model(x)
                start = time.perf_counter()
                feat = model(x)
                elapsed = time.perf_counter() - start
            assert feat.shape[-1] == geo.feature.size
            with capsys.disabled():
                print(f"\n[timing] {name}: forward 1x3x{search}x{search} -> {tuple(feat.shape)} "
                      f"in {elapsed * 1000:.1f} ms (2 threads)")
    finally:
        torch.set_num_threads(threads)
