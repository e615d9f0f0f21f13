"""Loader throughput: samples per second after warm-up, per worker, and the decode+crop / processing split."""
from __future__ import annotations

import dataclasses
import time

from ltr.data.loader import TrackingDataset, TrackingLoader, build_processing, tune_worker_process
from ltr.data.sampler import TripletSampler


@dataclasses.dataclass
class BenchResult:
    """What ``bench`` measured (times in milliseconds per sample, inside the producing process)."""

    workers: int
    samples: int
    seconds: float
    samples_per_s: float
    per_worker_per_s: float
    in_worker_per_s: float
    cpu_per_s: float
    decode_ms: float
    process_ms: float
    skipped: dict

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) rows of a table."""
        return [("workers", str(self.workers)), ("samples timed", str(self.samples)),
                ("samples/s (wall)", f"{self.samples_per_s:.1f}"), ("samples/s per worker", f"{self.per_worker_per_s:.1f}"),
                ("samples/s inside a worker", f"{self.in_worker_per_s:.1f}"),
                ("samples/s per CPU-second", f"{self.cpu_per_s:.1f}"), ("decode+crop ms/sample", f"{self.decode_ms:.2f}"),
                ("processing ms/sample", f"{self.process_ms:.2f}"), ("skipped", str(self.skipped or 0))]


def run_bench(cfg, geometry, datasets, workers: int = 1, samples: int = 400, warmup: int = 20,
              batch_size: int = 8) -> BenchResult:
    """Produce ``warmup + samples`` training samples with ``workers`` loader workers (0: in this process), in
    batches of ``batch_size`` as training would (the ``dctrack`` CLI passes the setting's batch size)."""
    sampler = TripletSampler(datasets, cfg.data.sampler)
    dataset = TrackingDataset(sampler, build_processing(cfg, geometry), warmup + samples, cfg.seed)
    if workers == 0:
        return _bench_in_process(dataset, warmup, samples)
    loader = TrackingLoader(dataset, batch_size, workers, name="bench", drop_last=False, pin_memory=False)
    seen, start, first = 0, time.perf_counter(), 0
    for batch in loader:
        seen += batch["template"].shape[0]
        if first == 0 and seen >= warmup:
            start, first = time.perf_counter(), seen
    seconds = time.perf_counter() - start
    timed = seen - first
    t = loader.timing_report()
    total, decode, counted = t["total"], t["decode"], max(t["samples"], 1)
    return _result(workers, timed, seconds, total / counted, decode / counted, t["cpu"] / counted,
                   loader.skip_report())


def _bench_in_process(dataset: TrackingDataset, warmup: int, samples: int) -> BenchResult:
    tune_worker_process()
    for i in range(warmup):
        dataset.generate(0, i)
    total = decode = cpu = 0.0
    skipped: dict = {}
    start = time.perf_counter()
    for i in range(warmup, warmup + samples):
        _, skips, timing = dataset.generate(0, i)
        total += timing["total"]
        decode += timing["decode"]
        cpu += timing["cpu"]
        for reason, _ in skips:
            skipped[reason] = skipped.get(reason, 0) + 1
    seconds = time.perf_counter() - start
    return _result(0, samples, seconds, total / samples, decode / samples, cpu / samples, skipped)


def _result(workers: int, samples: int, seconds: float, mean_total: float, mean_decode: float, mean_cpu: float,
            skipped: dict) -> BenchResult:
    rate = samples / seconds if seconds > 0 else float("inf")
    return BenchResult(workers=workers, samples=samples, seconds=seconds, samples_per_s=rate,
                       per_worker_per_s=rate / max(workers, 1), in_worker_per_s=1.0 / mean_total if mean_total else 0.0,
                       cpu_per_s=1.0 / mean_cpu if mean_cpu else 0.0,
                       decode_ms=1000 * mean_decode, process_ms=1000 * (mean_total - mean_decode), skipped=skipped)
