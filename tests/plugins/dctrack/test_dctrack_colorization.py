"""Lab quantiser and the self-supervised colourisation loss (overfits a real frame pair)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from common.geometry import Grid
from common.image_io import read_image
from ltr.models.normalize import to_grayscale
from plugins.dctrack.colorization import LabQuantizer, colorization_loss, rgb_to_lab
from plugins.dctrack.correspondence import CorrespondenceModule, warp



def test_rgb_to_lab_matches_opencv():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(8, 9, 3), dtype=np.uint8)
    ours = rgb_to_lab(torch.from_numpy(rgb).float().permute(2, 0, 1)).permute(1, 2, 0).numpy()
    ref = cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    assert np.abs(ours - ref).max() < 0.5  # OpenCV interpolates its float Lab from tables (errors ~0.2)


def test_default_centres_deterministic_and_saved():
    a, b = LabQuantizer(16), LabQuantizer(16)
    assert a.centers.shape == (16, 3) and torch.equal(a.centers, b.centers)
    assert "centers" in a.state_dict()
    with pytest.raises(ValueError, match="num_clusters"):
        LabQuantizer(1)


def test_quantize_picks_the_nearest_centre():
    q = LabQuantizer(8)
    rgb = torch.zeros(2, 3, 16, 16)
    rgb[0] = 255.0                       # white image
    rgb[1, 0] = 255.0                    # red image
    labels = q.quantize(rgb, 4)
    assert labels.shape == (2, 4, 4) and labels.dtype == torch.long
    for i, colour in enumerate(([255.0, 255.0, 255.0], [255.0, 0.0, 0.0])):
        lab = rgb_to_lab(torch.tensor(colour).view(3, 1, 1)).view(3)
        nearest = int(((q.centers - lab) ** 2).sum(1).argmin())
        assert (labels[i] == nearest).all()
    grid_labels = q.quantize(rgb, Grid(size=3, stride=4.0, offset=3.5))
    assert grid_labels.shape == (2, 3, 3) and torch.equal(grid_labels[:, 0, 0], labels[:, 0, 0])


def test_fit_is_deterministic_and_changes_centres():
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8) for _ in range(2)]
    q1, q2 = LabQuantizer(4).fit(images), LabQuantizer(4).fit(images)
    assert torch.equal(q1.centers, q2.centers) and not torch.equal(q1.centers, LabQuantizer(4).centers)
    with pytest.raises(ValueError, match="image 0"):
        LabQuantizer(4).fit([np.zeros((5, 5), np.uint8)])
    with pytest.raises(ValueError, match="distinct colours"):
        LabQuantizer(4).fit([np.zeros((5, 5, 3), np.uint8)])


def test_colorization_loss_zero_for_identity_and_high_for_wrong_labels():
    torch.manual_seed(0)
    feat = torch.randn(1, 8, 5, 5)
    with torch.no_grad():
        attn = CorrespondenceModule(8, embed_dim=16, radius=2, temperature=0.005)(feat, feat)
    labels = torch.randint(0, 6, (1, 5, 5))
    assert colorization_loss(attn, labels, labels, 6, warp).item() < 1e-3
    assert colorization_loss(attn, labels, (labels + 1) % 6, 6, warp).item() > 5.0


def test_colorization_loss_falls_on_a_real_frame_pair(shared_data):
    folder = shared_data / "unlabeled" / "tennis"
    frames = [read_image(folder / name) for name in ("00000.jpg", "00001.jpg")]
    crops = [cv2.resize(f[:, 187:667], (64, 64), interpolation=cv2.INTER_AREA) for f in frames]
    quantizer = LabQuantizer(16).fit(crops)
    rgb = [torch.from_numpy(c).permute(2, 0, 1).float()[None] for c in crops]
    labels = [quantizer.quantize(x, 32) for x in rgb]
    gray = [(to_grayscale(x) - 128.0) / 64.0 for x in rgb]
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 32, 3, 1, 1), nn.ReLU())
    corr = CorrespondenceModule(32, embed_dim=16, radius=3, embed_kernel=3, grayscale_input=True)
    opt = torch.optim.Adam(list(net.parameters()) + list(corr.parameters()), lr=3e-3)
    losses = []
    for _ in range(60):
        attn = corr(None, None, cur_embed_input=net(gray[1]), prev_embed_input=net(gray[0]))
        loss = colorization_loss(attn, labels[0], labels[1], 16, warp)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5]), losses[::10]
