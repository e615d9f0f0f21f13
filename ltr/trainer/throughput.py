"""``run_training.py --benchmark N``: training time per sample with the data loader and with one batch kept in
memory, for a setting and, when the plugin declares one (``PluginSpec.twin``), its twin without the plugin's own
branch at the same batch size, measured interleaved so that a change of load hits both alike."""
from __future__ import annotations

import os
import time
from typing import Any, Iterator

import torch

from ltr.trainer.trainer import Trainer, batch_size_of, epoch_iterator, move_batch

MODES = ("data loader", "batch in memory")


def timed_steps(trainer: Trainer, batches: Iterator, n: int) -> tuple[float, int]:
    """Seconds and samples for ``n`` optimiser steps over ``batches`` (an iterator of device batches)."""
    device = trainer.env.device
    samples = 0
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(n):
        batch = next(batches)
        samples += batch_size_of(batch)
        trainer.micro_step(batch, 1, sync=True)
        trainer.optimizer_step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - t0, samples


def loader_batches(trainer: Trainer) -> Iterator:
    """The training loader's batches on the training device, epoch after epoch."""
    epoch = 1
    while True:
        for batch in epoch_iterator(trainer.train_loader, epoch, 0):
            yield move_batch(batch, trainer.env.device)
        epoch += 1


def repeat(batch: Any) -> Iterator:
    """The same batch forever (the 'batch in memory' mode: the model's cost without the loader's)."""
    while True:
        yield batch


class Bench:
    """One trainer ready to be timed: train mode, the loader's batch iterator and a first batch kept in memory."""

    def __init__(self, trainer: Trainer) -> None:
        trainer._set_epoch_freezing(1)
        trainer._train_mode()
        self.trainer = trainer
        self.loader = loader_batches(trainer)
        self.first = next(self.loader)
        timed_steps(trainer, iter([self.first, self.first]), 2)  # warm-up (allocations, autotuning)

    def row(self, mode: str, n: int) -> dict:
        """Time ``n`` steps in ``mode`` (one of ``MODES``)."""
        batches = self.loader if mode == MODES[0] else repeat(self.first)
        seconds, samples = timed_steps(self.trainer, batches, n)
        return {"mode": mode, "iterations": n, "it_per_s": n / seconds, "samples_per_s": samples / seconds,
                "ms_per_it": 1000 * seconds / n, "ms_per_sample": 1000 * seconds / samples}


def run_benchmark(trainer: Trainer, n: int) -> list[dict]:
    """Training iterations/s over ``n`` steps with the data loader and with one batch kept in memory."""
    bench = Bench(trainer)
    return [bench.row(mode, n) for mode in MODES]


def run_pair(trainer: Trainer, twin: Trainer, n: int) -> tuple[list[dict], list[dict]]:
    """Rows of ``trainer`` and of ``twin``, each mode timed for one then the other (interleaved)."""
    benches = Bench(trainer), Bench(twin)
    rows: tuple[list[dict], list[dict]] = ([], [])
    for mode in MODES:
        for bench, out in zip(benches, rows):
            out.append(bench.row(mode, n))
    return rows


def machine_state() -> dict:
    """Threads and load at the time of measuring (a benchmark on a busy machine is slow and noisy)."""
    state = {"torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
             "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)")}
    if hasattr(os, "getloadavg"):
        state["load_average"] = [round(v, 2) for v in os.getloadavg()]
    return state
