"""Process group setup for ``torchrun``: rank and world size from the environment, NCCL on GPUs, gloo on CPU."""
from __future__ import annotations

import dataclasses
import datetime
import logging
import os
from typing import Any

import torch
import torch.distributed as dist

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class DistEnv:
    """Where this process sits: ``rank`` of ``world_size``, ``local_rank`` on its host, and its device."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: str = "cpu"

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def resolve_device(requested: str) -> str:
    """``cpu``/``cuda`` as asked; ``auto`` picks CUDA when available. CUDA without a GPU raises ValueError."""
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ValueError("device cuda was asked for but no CUDA GPU is available (use --device cpu)")
    return requested


def init_distributed(requested_device: str = "auto") -> DistEnv:
    """Read RANK/WORLD_SIZE/LOCAL_RANK (set by torchrun) and join the process group when world size > 1."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = resolve_device(requested_device)
    if device == "cuda":
        torch.cuda.set_device(local)
        device = f"cuda:{local}"
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if device.startswith("cuda") else "gloo"
        dist.init_process_group(backend=backend, timeout=datetime.timedelta(minutes=30))
        log.info("rank %d/%d joined the %s process group", rank, world, backend)
    return DistEnv(rank=rank, world_size=world, local_rank=local, device=device)


def barrier(env: DistEnv) -> None:
    """Wait for all ranks (no-op when not distributed)."""
    if env.distributed and dist.is_initialized():
        dist.barrier()


def shutdown(env: DistEnv) -> None:
    """Leave the process group."""
    if env.distributed and dist.is_initialized():
        dist.destroy_process_group()


def all_reduce_sum(env: DistEnv, values: torch.Tensor) -> torch.Tensor:
    """Sum a tensor over ranks (returns it unchanged when not distributed)."""
    if env.distributed:
        values = values.to(env.device)
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values


def broadcast_flag(env: DistEnv, flag: bool) -> bool:
    """Rank 0's value of ``flag`` on every rank."""
    if not env.distributed:
        return flag
    t = torch.tensor([1 if flag else 0], device=env.device)
    dist.broadcast(t, src=0)
    return bool(t.item())


def gather_objects(env: DistEnv, obj: Any) -> list:
    """``obj`` of every rank, in rank order (a one-element list when not distributed)."""
    if not env.distributed:
        return [obj]
    out: list = [None] * env.world_size
    dist.all_gather_object(out, obj)
    return out


def sync_buffers(env: DistEnv, module: torch.nn.Module) -> None:
    """Average floating buffers (batch-norm statistics) over ranks and take rank 0's other buffers, so every rank
    (and the checkpoint) holds the same state."""
    if not env.distributed:
        return
    for buf in module.buffers():
        if buf.is_floating_point():
            dist.all_reduce(buf.data, op=dist.ReduceOp.SUM)
            buf.data.div_(env.world_size)
        else:
            dist.broadcast(buf.data, src=0)
