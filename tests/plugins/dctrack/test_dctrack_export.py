"""dctrack export: the torch.export program of the tracking step equals eager mode on real frames."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from common.boxes import from_one_based
from common.crop import context_side, crop_square
from common.image_io import read_image
from dctrack_fakes import tiny_config
from plugins.dctrack.export import (TemplateStep, TrackStep, example_inputs, export_onnx, export_program, onnx_available,
                                    save_program)
from plugins.dctrack.bases import build_network
from plugins.dctrack.priors import render_prior
from plugins.dctrack.tracker import image_to_tensor


def _real_inputs(shared_data, net):
    """Template, previous and current crops of OTB Crossing frames 1-2 as the tracker makes them."""
    folder = shared_data / "sequences" / "otb" / "Crossing"
    first_line = (folder / "groundtruth_rect.txt").read_text().splitlines()[0]
    box = from_one_based(np.array([float(v) for v in first_line.replace("\t", ",").split(",")[:4]]))
    frames = sorted((folder / "img").glob("*.jpg"))
    img0, img1 = read_image(frames[0]), read_image(frames[1])
    geo = net.geometry
    centre = box[:2] + box[2:] / 2
    side_z = context_side(box[2], box[3], 0.5)
    side_x = side_z * geo.search_size / geo.template_size
    template, _ = crop_square(img0, centre, side_z, geo.template_size)
    prev_crop, prev_t = crop_square(img0, centre, side_x, geo.search_size)
    cur_crop, cur_t = crop_square(img1, centre, side_x, geo.search_size)
    to = lambda a: image_to_tensor(a, torch.device("cpu"))  # noqa: E731
    with torch.no_grad():
        base = example_inputs(net, search=to(prev_crop), template=to(template))
    prior = torch.from_numpy(render_prior(net.cfg.prior_kind, prev_t.box_to_crop(box), geo.feature))[None]
    wh = torch.tensor(box[2:] * cur_t.scale, dtype=torch.float32)
    return (to(cur_crop), base[1], base[2], prior, torch.ones(1), base[5], base[6], wh), to(template)


def test_exported_step_equals_eager_on_a_real_frame(shared_data, tmp_path):
    torch.manual_seed(0)
    net = build_network(tiny_config("default").model).eval()
    with torch.no_grad():
        net.cls_fusion.conv.weight.normal_(0, 0.1)  # make the prior path matter
    inputs, template = _real_inputs(shared_data, net)
    program = export_program(net, inputs=inputs)
    with torch.no_grad():
        eager = TrackStep(net).eval()(*inputs)
        exported = program.module()(*inputs)
    assert len(eager) == len(exported) == 5
    for a, b in zip(eager, exported):
        assert torch.allclose(a, b, atol=1e-5), (a, b)
    assert eager[0].shape == (4,) and eager[3].shape == inputs[1].shape
    path = save_program(program, tmp_path / "step.pt2")
    loaded = torch.export.load(str(path))
    with torch.no_grad():
        again = loaded.module()(*inputs)
    assert torch.allclose(again[0], eager[0], atol=1e-5)
    kernels = TemplateStep(net)(template)
    assert torch.allclose(kernels[0], inputs[5], atol=1e-5)


def test_onnx_export_when_available(tmp_path):
    if not onnx_available():
        with pytest.raises(RuntimeError, match="onnx"):
            export_onnx(build_network(tiny_config("default").model), tmp_path / "x.onnx")
        pytest.skip("the onnx package is not installed")
    net = build_network(tiny_config("default").model).eval()
    path = export_onnx(net, tmp_path / "step.onnx")
    assert path.stat().st_size > 0
