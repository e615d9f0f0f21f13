"""The training / validation loader: a map-style dataset of reproducible samples behind a torch ``DataLoader``.

Item i of epoch e on rank r is drawn with ``np.random.default_rng([seed, e, r * len + i, attempt])``, so a sample
is the same whatever the number of workers. A bad sample (unreadable frame -> ``ImageReadError``, degenerate
box -> ``DegenerateSampleError``) is replaced by the next attempt for the same index, counted by reason, and
reported once per epoch (``TrackingLoader.skip_report()`` and one ``logging.warning`` line).
"""
from __future__ import annotations

import collections
import ctypes
import logging
import time
from typing import Callable, Iterator, Optional

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler
from torch.utils.data._utils.collate import default_collate

from common.datasets import load_dataset
from common.datasets.base import Sequence
from common.image_io import ImageReadError
from common.plugins import PluginError, get_plugin
from ltr.data.config import DatasetEntry
from ltr.data.frames import FrameCropper
from ltr.data.processing import DegenerateSampleError
from ltr.data.sampler import Triplet, TripletSampler

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 50           # consecutive bad draws for one index before giving up
MMAP_THRESHOLD = 64 << 20   # bytes; frame-sized buffers are reused from the heap instead of fresh mmaps
SKIP_REASONS = {ImageReadError: "unreadable_frame", DegenerateSampleError: "degenerate_box"}


class BadSamplesError(RuntimeError):
    """Too many consecutive bad samples for one index (the message names the last error)."""


def tune_worker_process(_worker_id: int = 0) -> None:
    """Per data-worker setup: no OpenCV / torch thread pools, and a fixed glibc mmap threshold so that large
    frame buffers are reused instead of being mapped and faulted in again for every frame."""
    cv2.setNumThreads(0)
    torch.set_num_threads(1)
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, MMAP_THRESHOLD)       # M_MMAP_THRESHOLD (also disables the dynamic threshold)
        libc.mallopt(-1, 2 * MMAP_THRESHOLD)   # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


def load_entries(entries: list[DatasetEntry]) -> list[tuple[str, list, float]]:
    """Read each configured dataset (``common.datasets.load_dataset``), restricted to its listed sequences."""
    out = []
    for entry in entries:
        entry.validate()
        sequences = load_dataset(entry.name, entry.split)
        if entry.sequences:
            by_name = {s.name: s for s in sequences}
            missing = [n for n in entry.sequences if n not in by_name]
            if missing:
                raise ValueError(f"dataset '{entry.name}' ({entry.split}) has no sequences {missing}")
            sequences = [by_name[n] for n in entry.sequences]
        out.append((entry.name, sequences, entry.weight))
    return out


# (triplet, rng, cropper) -> one sample (dict of tensors); the plugin's processing
Processing = Callable[[Triplet, np.random.Generator, FrameCropper], dict]


class TrackingDataset(Dataset):
    """Map-style dataset: item ``(epoch, i)`` is the processed sample of (seed, epoch, rank offset + i)."""

    def __init__(self, sampler: TripletSampler, processing: Processing, length: int, seed: int,
                 rank: int = 0) -> None:
        self.sampler, self.processing = sampler, processing
        self.length, self.seed, self.rank = int(length), int(seed), int(rank)

    def __len__(self) -> int:
        return self.length

    def generate(self, epoch: int, index: int) -> tuple[dict, list, dict]:
        """(sample, skips [(reason, message)], timing {'total', 'decode', 'cpu'} seconds) of one index."""
        skips = []
        global_index = self.rank * self.length + int(index)
        start, cpu_start = time.perf_counter(), time.process_time()
        for attempt in range(MAX_ATTEMPTS):
            rng = np.random.default_rng([self.seed, int(epoch), global_index, attempt])
            cropper = FrameCropper()
            try:
                sample = self.processing(self.sampler.sample(rng), rng, cropper)
            except (ImageReadError, DegenerateSampleError) as exc:
                reason = SKIP_REASONS[ImageReadError if isinstance(exc, ImageReadError) else DegenerateSampleError]
                skips.append((reason, str(exc)))
                continue
            return sample, skips, {"total": time.perf_counter() - start, "decode": cropper.seconds,
                                   "cpu": time.process_time() - cpu_start}
        raise BadSamplesError(f"{MAX_ATTEMPTS} bad samples in a row for index {global_index} of epoch {epoch}; "
                              f"last: {skips[-1][1]}")

    def __getitem__(self, item) -> tuple[dict, list, dict]:
        epoch, index = item if isinstance(item, tuple) else (0, item)
        return self.generate(epoch, index)


class EpochIndices(Sampler):
    """Yields ``(epoch, i)`` for i in range(n); the epoch is read in the main process, so persistent workers
    follow ``set_epoch``."""

    def __init__(self, n: int) -> None:
        self.n, self.epoch, self.start = int(n), 0, 0

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter([(self.epoch, i) for i in range(self.start, self.n)])

    def __len__(self) -> int:
        return self.n - self.start


def collate_samples(items: list) -> tuple[dict, list, list]:
    """Stack samples into a batch; keep the skip records and timings beside it."""
    samples = [s for s, _, _ in items]
    skips = [k for _, ks, _ in items for k in ks]
    timings = [t for _, _, t in items]
    return default_collate(samples), skips, timings


class TrackingLoader:
    """Iterates over batches (dicts of stacked tensors); ``set_epoch``, ``skip_report`` and ``timing_report``."""

    def __init__(self, dataset: TrackingDataset, batch_size: int, num_workers: int, name: str = "train",
                 drop_last: bool = True, fixed_epoch: Optional[int] = None, pin_memory: Optional[bool] = None) -> None:
        self.dataset, self.name = dataset, name
        self.indices = EpochIndices(len(dataset))
        self.fixed_epoch = fixed_epoch
        if fixed_epoch is not None:
            self.indices.epoch = fixed_epoch
        self.loader = DataLoader(
            dataset, batch_size=batch_size, sampler=self.indices, num_workers=num_workers,
            collate_fn=collate_samples, pin_memory=torch.cuda.is_available() if pin_memory is None else pin_memory,
            drop_last=drop_last and len(dataset) >= batch_size, persistent_workers=num_workers > 0,
            worker_init_fn=tune_worker_process if num_workers > 0 else None,
            prefetch_factor=4 if num_workers > 0 else None)
        self._skips: collections.Counter = collections.Counter()
        self._examples: dict[str, str] = {}
        self._timing = {"samples": 0, "total": 0.0, "decode": 0.0, "cpu": 0.0}

    @property
    def epoch(self) -> int:
        return self.indices.epoch

    def set_epoch(self, epoch: int, start_batch: int = 0) -> None:
        """Draw the samples of ``epoch`` next (ignored by a fixed-seed validation loader), from batch
        ``start_batch`` on: a resumed run skips the batches it already trained on without loading them."""
        if self.fixed_epoch is None:
            self.indices.epoch = int(epoch)
        self.indices.start = min(int(start_batch) * self.loader.batch_size, self.indices.n)

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[dict]:
        self._skips.clear()
        self._examples.clear()
        self._timing = {"samples": 0, "total": 0.0, "decode": 0.0, "cpu": 0.0}
        for batch, skips, timings in self.loader:
            for reason, message in skips:
                self._skips[reason] += 1
                self._examples.setdefault(reason, message)
            for t in timings:
                self._timing["samples"] += 1
                self._timing["total"] += t["total"]
                self._timing["decode"] += t["decode"]
                self._timing["cpu"] += t["cpu"]
            yield batch
        if self._skips:
            detail = "; ".join(f"{r}: {n} (e.g. {self._examples[r]})" for r, n in sorted(self._skips.items()))
            log.warning("%s loader, epoch %d: skipped %d bad samples: %s", self.name, self.epoch,
                        sum(self._skips.values()), detail)

    def skip_report(self) -> dict[str, int]:
        """Bad samples skipped in the current / last epoch, by reason."""
        return dict(self._skips)

    def timing_report(self) -> dict[str, float]:
        """Samples produced in the current / last epoch and the seconds spent on them (total, decode+crop, cpu)."""
        return dict(self._timing)


def build_processing(cfg, geometry) -> Processing:
    """The processing of the train config's plugin (``PluginSpec.build_processing``) for a network geometry."""
    spec = get_plugin(cfg.plugin)
    if spec.build_processing is None:
        raise PluginError(f"plugin '{spec.name}' declares neither build_processing nor build_loaders: "
                          f"the core loader cannot turn its samples into batches")
    return spec.build_processing(cfg, geometry)


def build_loader(cfg, geometry, split: str = "train", rank: int = 0, world_size: int = 1,
                 datasets: Optional[list[tuple[str, list[Sequence], float]]] = None,
                 processing: Optional[Processing] = None) -> TrackingLoader:
    """The loader of ``split`` ('train' or 'val') for a ``TrainConfig`` and the network's ``Geometry``.

    ``datasets`` (name, sequences, weight) replaces the configured ``data.train`` / ``data.val`` entries;
    ``processing`` replaces the plugin's (``build_processing``).
    """
    if split not in ("train", "val"):
        raise ValueError(f"split must be 'train' or 'val', got '{split}'")
    if not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} outside world size {world_size}")
    if datasets is None:
        datasets = load_entries(cfg.data.train if split == "train" else cfg.data.val)
    sampler = TripletSampler(datasets, cfg.data.sampler)
    processing = processing or build_processing(cfg, geometry)
    if split == "train":
        length, seed, fixed = cfg.samples_per_epoch // world_size, cfg.seed, None
    else:
        val_samples = getattr(getattr(cfg, "val", None), "samples", cfg.batch_size)
        length, seed, fixed = max(val_samples // world_size, 1), cfg.data.val_seed, 0
    if length < 1:
        raise ValueError(f"samples_per_epoch ({cfg.samples_per_epoch}) is smaller than world_size ({world_size})")
    dataset = TrackingDataset(sampler, processing, length, seed, rank)
    return TrackingLoader(dataset, cfg.batch_size, cfg.data.num_workers, name=split, drop_last=split == "train",
                          fixed_epoch=fixed)
