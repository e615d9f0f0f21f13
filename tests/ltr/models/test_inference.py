"""BatchNorm folding and the other inference rewrites (ltr/models/inference.py) keep the network's outputs."""
from __future__ import annotations

import copy
import os

import numpy as np
import pytest
import torch
from torch import nn

from ltr.models.inference import (fold_batchnorm, fold_conv_bn, max_abs_difference, optimize_for_inference,
                                  to_channels_last)


def _randomise_bn(module: nn.Module, seed: int = 0) -> nn.Module:
    """Non-trivial running statistics and affine parameters, so folding has something to get wrong."""
    gen = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=gen) * 2 - 1)
            m.running_var.copy_(torch.rand(n, generator=gen) * 1.5 + 0.5)
            if m.affine:
                m.weight.data.copy_(torch.rand(n, generator=gen) + 0.5)
                m.bias.data.copy_(torch.rand(n, generator=gen) - 0.5)
    return module.eval()


def _count_bn(module: nn.Module) -> int:
    return sum(isinstance(m, nn.BatchNorm2d) for m in module.modules())


class Block(nn.Module):
    """Attribute-named pairs (like a ResNet block), a conv whose output is also used elsewhere, a shared conv."""

    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(4, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6)
        self.conv2, self.bn2 = nn.Conv2d(6, 6, 3, padding=1, groups=2), nn.BatchNorm2d(6)
        self.shared, self.bn_shared = nn.Conv2d(6, 6, 1), nn.BatchNorm2d(6, affine=False)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        z = self.conv2(y)
        y = self.bn2(z) + z                        # conv2's output has two users: must not be folded
        return self.bn_shared(self.shared(y)) + self.shared(y)  # shared is called twice: must not be folded


def test_fold_conv_bn_matches_eval_batchnorm():
    conv, bn = nn.Conv2d(3, 5, 3, bias=True), _randomise_bn(nn.BatchNorm2d(5))
    x = torch.randn(2, 3, 9, 9)
    with torch.no_grad():
        expected = bn(conv(x))
        fold_conv_bn(conv, bn)
        assert torch.allclose(conv(x), expected, atol=1e-5)


def test_fold_keeps_outputs_and_skips_unsafe_pairs():
    model = _randomise_bn(nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), Block()))
    x = torch.randn(2, 3, 12, 12)
    folded = fold_batchnorm(model)
    assert max_abs_difference(model, folded, (x,)) < 1e-4
    assert _count_bn(model) == 4            # the original is untouched
    assert _count_bn(folded) == 2           # bn2 (conv output reused) and bn_shared (conv called twice) stay
    assert isinstance(folded[1], nn.Identity) and isinstance(folded[3].bn1, nn.Identity)
    assert not folded.training


def test_untraceable_parent_is_searched_child_by_child():
    class DictNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))

        def forward(self, batch: dict):
            x = self.body(batch["image"])
            return {"out": x if x.sum() > -1e9 else -x}  # data-dependent branch: fx cannot trace it

    net = _randomise_bn(DictNet())
    batch = {"image": torch.randn(1, 3, 8, 8)}
    folded = fold_batchnorm(net)
    assert _count_bn(folded) == 0
    assert max_abs_difference(net, folded, (batch,)) < 1e-4


def test_optimize_for_inference_freezes_and_channels_last():
    model = _randomise_bn(nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 4, 1)))
    fast = optimize_for_inference(model, channels_last=True)
    assert all(not p.requires_grad for p in fast.parameters())
    assert fast[0].weight.is_contiguous(memory_format=torch.channels_last)
    x = torch.randn(1, 3, 16, 16)
    assert max_abs_difference(model, fast, (x,)) < 1e-4
    assert to_channels_last(nn.Conv2d(2, 2, 3)).weight.is_contiguous(memory_format=torch.channels_last)


def test_dctrack_network_on_a_real_frame(shared_data):
    """The folded dctrack network gives the same tracking outputs (within 1e-4) on crops of OTB Couple."""
    from common.crop import context_side, crop_square
    from common.image_io import read_image
    from common.plugins import get_plugin, load_train_config

    torch.manual_seed(0)
    net = _randomise_bn(get_plugin("dctrack").build_network(load_train_config("dctrack", "quick").model))
    folded = fold_batchnorm(net)
    assert _count_bn(folded) == 0
    geo = net.geometry
    folder = shared_data / "sequences" / "otb" / "Couple"
    box = np.array([50.0, 54.0, 24.0, 80.0])  # near the first ground-truth box (0-based xywh)

    def crop(i: int, size: int, scale: float) -> torch.Tensor:
        image = read_image(folder / "img" / f"{i:04d}.jpg")
        patch, _ = crop_square(image, box[:2] + box[2:] / 2, context_side(box[2], box[3]) * scale, size)
        return torch.from_numpy(patch).permute(2, 0, 1).unsqueeze(0).float()

    template = crop(1, geo.template_size, 1.0)
    scale = geo.search_size / geo.template_size
    prev_crop, cur_crop = crop(1, geo.search_size, scale), crop(2, geo.search_size, scale)

    def step(model):
        kernels = model.template_kernels(template)
        prev, cur = model.search_features(prev_crop), model.search_features(cur_crop)
        out = model.track_step(kernels, cur, prev, None, torch.ones(1))
        return {k: v for k, v in out.items() if isinstance(v, torch.Tensor)}

    with torch.inference_mode():
        a, b = step(net), step(folded)
    assert a.keys() == b.keys() and "cls" in a
    for key in a:
        scale_k = max(1.0, float(a[key].abs().max()))
        assert float((a[key] - b[key]).abs().max()) / scale_k < 1e-4, key


def test_input_normalisation_folds_exactly_into_an_unpadded_conv():
    from ltr.models.inference import fold_input_normalization
    from ltr.models.normalize import ImageNormalizer

    torch.manual_seed(0)
    norm, conv = ImageNormalizer(), nn.Conv2d(3, 8, 5, stride=2)
    x = torch.rand(2, 3, 21, 21) * 255
    with torch.no_grad():
        expected = conv(norm(x))
        folded = nn.Conv2d(3, 8, 5, stride=2)
        folded.load_state_dict(conv.state_dict())
        assert fold_input_normalization(folded, norm.mean, norm.std)
        assert torch.allclose(folded(x), expected, atol=1e-4)


def test_input_normalisation_is_not_folded_into_a_padded_conv():
    from ltr.models.inference import fold_input_normalization
    from ltr.models.normalize import ImageNormalizer

    conv = nn.Conv2d(3, 8, 3, padding=1)
    before = conv.weight.detach().clone()
    assert not fold_input_normalization(conv, ImageNormalizer().mean, ImageNormalizer().std)
    assert torch.equal(conv.weight, before)


def test_inference_dtype_names_and_auto():
    from ltr.models.inference import inference_dtype, native_bfloat16

    assert inference_dtype("float32", "cpu") == torch.float32
    assert inference_dtype("bfloat16", "cpu") == torch.bfloat16
    assert inference_dtype("auto", "cpu") == (torch.bfloat16 if native_bfloat16("cpu") else torch.float32)
    with pytest.raises(ValueError, match="precision"):
        inference_dtype("half", "cpu")


def test_compile_without_a_cpp_compiler_is_a_clear_error(monkeypatch):
    import ltr.models.inference as inference

    monkeypatch.setattr(inference, "cpp_compiler", lambda: None)
    with pytest.raises(inference.CompileUnavailable, match="C\\+\\+ compiler.*compile=False"):
        inference.compile_for_inference(nn.Conv2d(3, 4, 3), ("forward",))


@pytest.mark.skipif(os.environ.get("DCTRACK_SLOW") != "1", reason="slow (compiles for ~20 s): set DCTRACK_SLOW=1")
def test_compiled_method_computes_what_the_eager_one_computes():
    from ltr.models.inference import compile_for_inference, cpp_compiler

    if cpp_compiler() is None:
        pytest.skip("no C++ compiler on this machine")
    torch.manual_seed(0)
    eager = optimize_for_inference(_randomise_bn(nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())))
    compiled = compile_for_inference(copy.deepcopy(eager), ("forward",))
    x = torch.rand(2, 3, 16, 16)
    with torch.inference_mode():
        torch.testing.assert_close(compiled.forward(x), eager(x), rtol=1e-4, atol=1e-5)
