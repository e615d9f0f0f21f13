"""Runner: one tracker x sequences of datasets -> result files (see ``pytracking.evaluation.results``).

Sequences run in this process, or in ``threads`` worker processes (spawned; each loads the tracker once
and sets torch to ``torch_threads`` threads). Under torchrun (RANK/WORLD_SIZE) or SLURM
(SLURM_PROCID/SLURM_NTASKS) every rank takes every WORLD_SIZE-th sequence of the sorted job list.
Finished sequences are skipped, so a re-run completes only what is missing. A failing sequence does not
stop the others: its traceback is returned in the report.
"""
from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import torch
from tqdm import tqdm

from common.datasets import load_dataset
from pytracking.api import TrackerSetup, build_tracker, resolve_tracker, track_sequence
from pytracking.evaluation.manifest import build_manifest, choose_run_dir, scratch_run_dir
from pytracking.evaluation.results import UnsafeNameError, is_complete, sequence_paths, write_sequence_results

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class DatasetRef:
    """A dataset to evaluate on: registry name, split and optional root (else the settings root)."""

    name: str
    split: Optional[str] = None
    root: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Job:
    """One sequence to track."""

    dataset: DatasetRef
    seq_name: str


@dataclasses.dataclass
class JobResult:
    """The outcome of one job: ``error`` holds the traceback of a failure."""

    dataset: str
    seq_name: str
    ok: bool
    frames: int = 0
    seconds: float = 0.0
    error: Optional[str] = None
    skipped: bool = False

    @property
    def fps(self) -> float:
        """Frames per second of the tracking loop (0 when unknown)."""
        return self.frames / self.seconds if self.seconds > 0 else 0.0


@dataclasses.dataclass
class RunReport:
    """What a run did: the result directory, its run id, the sequences per dataset and each job's outcome."""

    run_dir: Path
    runid: Optional[int]
    sequences: dict  # dataset name -> list[Sequence] evaluated (after the --sequence filter)
    results: list = dataclasses.field(default_factory=list)
    rank: int = 0
    world_size: int = 1
    missing: dict = dataclasses.field(default_factory=dict)  # dataset name -> listed sequences absent from its root

    @property
    def failures(self) -> list:
        """Jobs that raised."""
        return [r for r in self.results if not r.ok]


def distributed_rank() -> tuple[int, int]:
    """(rank, world size) from torchrun (RANK/WORLD_SIZE) or SLURM (SLURM_PROCID/SLURM_NTASKS); (0, 1) otherwise."""
    for rank_key, world_key in (("RANK", "WORLD_SIZE"), ("SLURM_PROCID", "SLURM_NTASKS")):
        if rank_key in os.environ and world_key in os.environ:
            rank, world = int(os.environ[rank_key]), int(os.environ[world_key])
            if not 0 <= rank < world:
                raise ValueError(f"{rank_key}={rank} is not in [0, {world_key}={world})")
            return rank, world
    return 0, 1


def shard(jobs: list, rank: int, world_size: int) -> list:
    """Every ``world_size``-th job starting at ``rank`` (jobs must be in a deterministic order)."""
    return jobs[rank::world_size]


def select_sequences(sequences: list, selector: Optional[str | int]) -> list:
    """All sequences, or the one named ``selector`` (a name or an index into the list)."""
    if selector is None:
        return list(sequences)
    names = [s.name for s in sequences]
    if str(selector) in names:
        return [sequences[names.index(str(selector))]]
    text = str(selector)
    if text.lstrip("-").isdigit():
        index = int(text)
        if -len(sequences) <= index < len(sequences):
            return [sequences[index]]
        raise IndexError(f"sequence index {index} out of range: the dataset has {len(sequences)} sequences")
    shown = ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")
    raise KeyError(f"no sequence named '{selector}'. Available: {shown}")


_DATASET_CACHE: dict = {}


def load_sequences(ref: DatasetRef) -> list:
    """The sequences of a dataset (cached per process and ``evaluate`` call)."""
    if ref not in _DATASET_CACHE:
        _DATASET_CACHE[ref] = load_dataset(ref.name, ref.split, ref.root)
    return _DATASET_CACHE[ref]


def _find_sequence(ref: DatasetRef, name: str) -> Any:
    for seq in load_sequences(ref):
        if seq.name == name:
            return seq
    raise KeyError(f"sequence '{name}' not found in dataset {ref.name} (split {ref.split})")


def run_one(tracker: Any, sequence: Any, dataset: str, run_directory: Path, debug: Any = None) -> JobResult:
    """Track one sequence and write its results; exceptions become a failed ``JobResult``."""
    try:
        start = time.perf_counter()
        boxes, times, scores = track_sequence(tracker, sequence, debug=debug)
        elapsed = time.perf_counter() - start
        write_sequence_results(run_directory, dataset, sequence.name, boxes, times, scores)
        return JobResult(dataset, sequence.name, True, len(boxes), float(times.sum()) or elapsed)
    except Exception:  # any tracker failure is reported, the run goes on
        return JobResult(dataset, sequence.name, False, error=traceback.format_exc())


# --- worker processes -------------------------------------------------------------------------------------
_WORKER: dict = {}


def _worker_init(setup_args: tuple, torch_threads: int) -> None:
    torch.set_num_threads(max(1, torch_threads))
    _WORKER.clear()
    _WORKER["setup_args"] = setup_args


def _worker_tracker() -> Any:
    if "tracker" not in _WORKER:
        plugin, param, checkpoint, device, overrides = _WORKER["setup_args"]
        _WORKER["tracker"] = build_tracker(resolve_tracker(plugin, param, checkpoint, device, overrides))
    return _WORKER["tracker"]


def _worker_run(args: tuple) -> JobResult:
    job, run_directory = args
    try:
        tracker = _worker_tracker()
        sequence = _find_sequence(job.dataset, job.seq_name)
    except Exception:  # a tracker or dataset that fails to load fails this job, not the pool
        return JobResult(job.dataset.name, job.seq_name, False, error=traceback.format_exc())
    return run_one(tracker, sequence, job.dataset.name, Path(run_directory))


def run_jobs(setup: TrackerSetup, jobs: list, run_directory: Path, threads: int = 0, torch_threads: int = 1,
             debug_factory: Optional[Callable[[], Any]] = None, tracker: Any = None) -> list:
    """Run ``jobs`` sequentially (threads <= 1 or debug) or in ``threads`` spawned processes."""
    if not jobs:
        return []
    if threads <= 1 or debug_factory is not None:
        tracker = tracker if tracker is not None else build_tracker(setup)
        debug = debug_factory() if debug_factory is not None else None
        if debug is not None and hasattr(tracker.params, "debug"):
            tracker.params.debug = getattr(debug, "level", 1)  # the tracker returns its debug maps
        if debug is not None and hasattr(debug, "attach"):
            debug.attach(tracker)  # the crop geometry, to place the map overlays
        results = []
        for job in tqdm(jobs, desc=f"{setup.plugin}/{setup.param}", unit="seq", disable=len(jobs) < 2):
            if debug is not None and hasattr(debug, "start_sequence"):
                debug.start_sequence(job.seq_name)
            results.append(run_one(tracker, _find_sequence(job.dataset, job.seq_name), job.dataset.name,
                                   run_directory, debug))
        return results
    setup_args = (setup.plugin, setup.param, str(setup.checkpoint) if setup.checkpoint else None, setup.device,
                  tuple(setup.overrides))
    ctx = multiprocessing.get_context("spawn")
    order = {(j.dataset.name, j.seq_name): i for i, j in enumerate(jobs)}
    results = []
    with ctx.Pool(min(threads, len(jobs)), initializer=_worker_init, initargs=(setup_args, torch_threads)) as pool:
        work = [(job, str(run_directory)) for job in jobs]
        for res in tqdm(pool.imap_unordered(_worker_run, work), total=len(jobs), unit="seq",
                        desc=f"{setup.plugin}/{setup.param} x{threads}"):
            results.append(res)
    return sorted(results, key=lambda r: order[(r.dataset, r.seq_name)])


def missing_sequences(ref: DatasetRef) -> list:
    """Sequences the dataset's list names but its root does not hold (readers set ``.missing``)."""
    return list(getattr(load_sequences(ref), "missing", []) or [])


def plan_jobs(datasets: list, run_directory: Path, selector: Optional[str | int] = None,
              rank: int = 0, world_size: int = 1) -> tuple[dict, list, list]:
    """(sequences per dataset, jobs still to run for this rank, failed results for unsafe names)."""
    sequences: dict = {}
    all_jobs, refused = [], []
    for ref in datasets:
        seqs = select_sequences(load_sequences(ref), selector)
        sequences[ref.name] = seqs
        for seq in sorted(seqs, key=lambda s: s.name):
            try:
                sequence_paths(run_directory, ref.name, seq.name)
            except UnsafeNameError as exc:
                refused.append(JobResult(ref.name, seq.name, False, error=f"UnsafeNameError: {exc}\n"))
                continue
            all_jobs.append(Job(ref, seq.name))
    mine = shard(all_jobs, rank, world_size)
    todo = [job for job in mine if not is_complete(run_directory, job.dataset.name, job.seq_name)]
    if len(todo) < len(mine):
        log.info("%d of %d sequences already have results in %s; running the %d missing",
                 len(mine) - len(todo), len(mine), run_directory, len(todo))
    return sequences, todo, refused


def evaluate(plugin: str, param: str, datasets: list, results_root: str | Path, *, selector: Optional[str | int] = None,
             runid: Optional[int | str] = None, new_runid: bool = False, threads: int = 0, torch_threads: int = 1,
             checkpoint: Optional[str | Path] = None, device: Optional[str] = None,
             debug_factory: Optional[Callable[[], Any]] = None, overrides: Iterable[str] = ()) -> RunReport:
    """Run ``plugin``/``param`` (``key=value`` parameter ``overrides`` applied) on ``datasets`` (list of
    DatasetRef) and write results under ``results_root``."""
    _DATASET_CACHE.clear()  # dataset roots may have changed in settings since the last call
    rank, world = distributed_rank()
    if world > 1 and (new_runid or runid == "auto"):
        raise ValueError("with several ranks pass an explicit --runid N (each rank would pick its own new id)")
    overrides = tuple(overrides)
    setup = resolve_tracker(plugin, param, checkpoint, device, overrides)
    if world > 1 and setup.device.startswith("cuda") and ":" not in setup.device:
        local = int(os.environ.get("LOCAL_RANK", rank)) % max(1, torch.cuda.device_count())
        setup = resolve_tracker(plugin, param, checkpoint, f"cuda:{local}", overrides)  # one GPU per rank
    tracker = build_tracker(setup)  # fail fast (bad checkpoint, bad parameters) before planning anything
    manifest = build_manifest(plugin, param, setup.params, setup.checkpoint)
    if debug_factory is not None:  # a debug run is watched: it always tracks, and never touches stored results
        directory, chosen = scratch_run_dir(results_root, manifest), None
    else:
        directory, chosen = choose_run_dir(results_root, manifest, runid, new_runid)
    sequences, jobs, refused = plan_jobs(datasets, directory, selector, rank, world)
    results = refused + run_jobs(setup, jobs, directory, threads, torch_threads, debug_factory, tracker)
    missing = {ref.name: missing_sequences(ref) for ref in datasets}
    return RunReport(directory, chosen, sequences, results, rank, world, missing)
