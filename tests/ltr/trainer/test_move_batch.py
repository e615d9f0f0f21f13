"""``move_batch``: nested batches reach the device; uint8 image crops become float32 0-255 there."""
import torch

from ltr.trainer.trainer import move_batch


def test_uint8_crops_become_float_and_other_tensors_keep_their_dtype():
    batch = {"template": torch.tensor([[0, 128, 255]], dtype=torch.uint8),
             "is_negative": torch.tensor([1.0]), "ids": [torch.tensor([3])], "name": "seq"}
    moved = move_batch(batch, "cpu")
    assert moved["template"].dtype == torch.float32
    assert moved["template"].tolist() == [[0.0, 128.0, 255.0]]
    assert moved["is_negative"].dtype == torch.float32 and moved["ids"][0].dtype == torch.int64
    assert moved["name"] == "seq"
