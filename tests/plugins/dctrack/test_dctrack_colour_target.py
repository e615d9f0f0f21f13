"""With SimCLR-style augmentation on, the colorization target comes from the undistorted crops."""
import torch

from plugins.dctrack import losses


class RecordingQuantizer:
    num_clusters = 4

    def __init__(self):
        self.seen = []

    def quantize(self, rgb, grid):
        self.seen.append(rgb)
        return torch.zeros(rgb.shape[0], 2, 2, dtype=torch.long)


def test_colour_target_uses_clean_crops_when_present(monkeypatch):
    monkeypatch.setattr(losses, "colorization_loss", lambda attn, prev, cur, n, warp: torch.zeros(()))
    distorted = {"search_prev": torch.zeros(1, 3, 8, 8), "search_cur": torch.zeros(1, 3, 8, 8)}
    clean = {"search_prev_clean": torch.ones(1, 3, 8, 8), "search_cur_clean": torch.full((1, 3, 8, 8), 2.0)}
    q = RecordingQuantizer()
    losses.colorization_term(None, q, {**distorted, **clean}, grid=None)
    assert q.seen[0] is clean["search_prev_clean"] and q.seen[1] is clean["search_cur_clean"]
    q = RecordingQuantizer()
    losses.colorization_term(None, q, distorted, grid=None)
    assert q.seen[0] is distorted["search_prev"] and q.seen[1] is distorted["search_cur"]
