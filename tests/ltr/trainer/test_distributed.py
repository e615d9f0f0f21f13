"""Two-process torchrun training with gloo on CPU: every rank ends with the same weights (equal to the final
checkpoint), each rank trained on its own share of samples, and only rank 0 wrote run files."""
from __future__ import annotations

import hashlib

import torch

from common.checkpoint import load_checkpoint


def _hash(state: dict) -> str:
    h = hashlib.sha256()
    for k, v in sorted(state.items()):
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def test_two_process_gloo_identical_weights_rank0_writes(tiny_plugin, workspace, cli, tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    result = cli.run(["tinyplug", "default", "--device", "cpu", "--set", "epochs=2", "checkpoint.every_iters=5"],
                     timeout=90, module=["torch.distributed.run", "--standalone", "--nproc_per_node", "2"],
                     TINY_DUMP_DIR=str(dump))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "effective batch size 8 (4 per GPU x 2 GPUs" in result.stderr
    assert "learning rate 0.04" in result.stderr

    runs = cli.run_dirs(workspace)
    assert len(runs) == 1
    run = runs[0]
    names = {p.name for p in run.iterdir()}
    assert {"config.json", "env.json", "train.log", "epoch_0001.pth", "epoch_0002.pth", "best.pth"} <= names
    assert not [n for n in names if n.startswith(".")]            # no stray temporary files
    log = (run / "train.log").read_text()
    assert log.count("start tinyplug/default") == 1 and log.count("epoch 2/2") == 1

    final = load_checkpoint(run / "epoch_0002.pth")
    assert final["iteration"] == 16                                # 64 samples / 2 ranks / 4 per batch x 2 epochs
    assert final["world_size"] == 2 and len(final["rng"]) == 2
    rank0, rank1 = (dump / "rank0.txt").read_text(), (dump / "rank1.txt").read_text()
    assert rank0 == rank1 == _hash(final["network"])
    assert (dump / "rank0_first_batch.txt").read_text() != (dump / "rank1_first_batch.txt").read_text()
    assert not torch.equal(final["rng"][0]["torch"], final["rng"][1]["torch"])   # per-rank RNG streams
