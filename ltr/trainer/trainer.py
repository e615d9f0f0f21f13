"""The training loop: actor (batch -> (loss, stats)) + loaders + optimiser config -> checkpoints.

It knows nothing of tracking. Exact resume: the LR schedule is a function of the iteration, loaders are
deterministic per (seed, epoch, index), and checkpoints (at epoch ends and mid-epoch) store optimiser,
scaler, RNG states and the batch position inside the epoch.
"""
from __future__ import annotations

import contextlib
import datetime
import inspect
import logging
import math
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from common.checkpoint import capture_rng_state, code_version, load_weights, restore_rng_state, save_checkpoint
from common.config import to_json
from common.plugins import get_plugin
from ltr.trainer.amp import Precision
from ltr.trainer.distributed import (DistEnv, all_reduce_sum, barrier, broadcast_flag, gather_objects,
                                     sync_buffers)
from ltr.trainer.monitor import Monitor
from ltr.trainer.optim import apply_freezing, build_optimizer, check_frozen_norm, check_unfreeze, freeze_norm_stats
from ltr.trainer.run_dir import prune_checkpoints
from ltr.trainer.schedule import LRSchedule
from ltr.trainer.visdom_debug import show_sample

log = logging.getLogger(__name__)

TrackingHook = Callable[[nn.Module, Any, int], dict]


def higher_is_better(metric: str) -> bool:
    """Metrics ending in ``auc`` or ``ao`` (tracking scores) are maximised, others (losses) minimised."""
    return metric.lower().endswith(("auc", "ao"))


def move_batch(batch: Any, device: str) -> Any:
    """Tensors of a (nested) batch to ``device``; uint8 tensors (image crops) become float32 there, after the
    transfer, so that a quarter of the bytes cross from the loader and to the GPU."""
    if isinstance(batch, torch.Tensor):
        moved = batch.to(device, non_blocking=True)
        return moved.float() if moved.dtype == torch.uint8 else moved
    if isinstance(batch, dict):
        return {k: move_batch(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(move_batch(v, device) for v in batch)
    return batch


def loader_length(loader: Any) -> Optional[int]:
    """The number of batches of ``loader`` when it knows it (for progress bars), else None."""
    try:
        return len(loader)
    except TypeError:
        return None


def batch_size_of(batch: Any) -> int:
    """Number of samples in a batch (length of its first tensor)."""
    if isinstance(batch, torch.Tensor):
        return int(batch.shape[0]) if batch.ndim else 1
    values = batch.values() if isinstance(batch, dict) else batch if isinstance(batch, (list, tuple)) else []
    for v in values:
        n = batch_size_of(v)
        if n:
            return n
    return 0


def _scalar(value: Any) -> float:
    return float(value.detach().float().mean()) if isinstance(value, torch.Tensor) else float(value)


def epoch_iterator(loader: Any, epoch: int, start_batch: int) -> Iterator:
    """Batches of ``epoch`` from batch ``start_batch`` on; skipped batches are not loaded when the loader
    supports ``set_epoch(epoch, start_batch=...)``."""
    set_epoch = getattr(loader, "set_epoch", None)
    sliced = False
    if callable(set_epoch):
        if start_batch and "start_batch" in inspect.signature(set_epoch).parameters:
            set_epoch(epoch, start_batch=start_batch)
            sliced = True
        else:
            set_epoch(epoch)
    with torch.random.fork_rng(devices=[]):  # creating a DataLoader iterator draws from the global RNG
        it = iter(loader)
    if start_batch and not sliced:
        log.warning("loader %s cannot start inside an epoch; loading and dropping %d batches",
                    type(loader).__name__, start_batch)
        for _ in range(start_batch):
            next(it)
    return it


class Trainer:
    """Runs epochs of an actor over loaders with the optimiser, schedule and checkpoints of a TrainConfig."""

    def __init__(self, cfg: Any, network: nn.Module, actor: Any, train_loader: Any, val_loader: Any = None,
                 env: DistEnv = DistEnv(), run_dir: Optional[Path] = None, visdom: Any = None, debug: int = 0,
                 tracking_hook: Optional[TrackingHook] = None):
        self.cfg, self.env, self.run_dir = cfg, env, run_dir
        self.network, self.actor = network, actor
        self.train_loader, self.val_loader = train_loader, val_loader
        self.debug, self.tracking_hook = debug, tracking_hook
        self.precision = Precision(cfg.optim.amp, env.device)
        check_unfreeze(network, cfg.optim)
        check_frozen_norm(network, cfg.optim)
        (actor if isinstance(actor, nn.Module) else network).to(env.device)
        network.to(env.device)
        self.lr = cfg.optim.lr * env.world_size
        self.optimizer = build_optimizer(network, cfg.optim, self.lr)
        self.accumulate = cfg.optim.accumulate
        self.batches_per_epoch = len(train_loader)
        if self.batches_per_epoch < 1:
            raise ValueError("the training loader yields no batch: raise samples_per_epoch or lower batch_size")
        self.steps_per_epoch = math.ceil(self.batches_per_epoch / self.accumulate)
        self.schedule = LRSchedule(cfg.optim, self.steps_per_epoch, cfg.epochs)
        self.monitor = Monitor(run_dir if env.is_main else None, cfg.log.tensorboard, visdom if env.is_main else None)
        self.viz = visdom if env.is_main else None
        self.epoch = 0               # completed epochs
        self.batch_in_epoch = 0      # batches of epoch + 1 already consumed
        self.iteration = 0           # optimiser steps
        self.metrics: dict[str, float] = {}
        self.best: dict = {}
        self.skipped = 0
        self._frozen: Optional[list[str]] = None
        self._call: Any = actor
        self._ddp: Optional[DistributedDataParallel] = None
        self._told_no_grad = False
        self._last_mid_save = time.monotonic()

    # ------------------------------------------------------------------ model wrapping
    def _wrap(self) -> None:
        """Wrap the actor (or its ``network``) in DistributedDataParallel when running on several ranks."""
        if not self.env.distributed or not any(p.requires_grad for p in self.network.parameters()):
            return   # nothing to train: no gradients to synchronise (DDP refuses such a module)
        if isinstance(self.actor, nn.Module):
            target = self.actor
        elif isinstance(getattr(self.actor, "network", None), (nn.Module,)):
            target = self.network
        else:
            raise TypeError("distributed training needs the actor to be an nn.Module or to hold .network")
        ids = [self.env.local_rank] if self.env.device.startswith("cuda") else None
        self._ddp = DistributedDataParallel(target, device_ids=ids, find_unused_parameters=True)
        if target is self.actor:
            self._call = self._ddp
        else:
            self.actor.network = self._ddp
            self._call = self.actor

    def _set_epoch_freezing(self, epoch: int) -> None:
        frozen = apply_freezing(self.network, self.cfg.optim, epoch)
        if frozen != self._frozen:
            if frozen:
                log.info("epoch %d: frozen backbone parts: %s", epoch, ", ".join(frozen))
            elif self._frozen:
                log.info("epoch %d: whole backbone trainable", epoch)
            self._frozen = frozen
            self._wrap()
            if not any(p.requires_grad for p in self.network.parameters()) and self.env.is_main:
                log.info("epoch %d: nothing to train (every parameter frozen or at learning rate 0): the steps "
                         "compute the losses for the log, without backward pass or optimiser step", epoch)

    def _train_mode(self) -> None:
        (self.actor if isinstance(self.actor, nn.Module) else self.network).train()
        freeze_norm_stats(self.network, (self._frozen or []) + [p.rstrip(".") for p in self.cfg.optim.frozen_norm])

    def _eval_mode(self) -> None:
        (self.actor if isinstance(self.actor, nn.Module) else self.network).eval()

    def current_lr(self) -> float:
        """The learning rate of the head parameters (the backbone's is ``backbone_lr_mult`` times it)."""
        return max(g["lr"] for g in self.optimizer.param_groups)

    # ------------------------------------------------------------------ one step
    def _forward(self, batch: Any) -> tuple[torch.Tensor, dict]:
        with self.precision.autocast():
            out = self._call(batch)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError(f"the actor must return (loss, stats dict), got {type(out).__name__}")
        return out

    def micro_step(self, batch: Any, group_size: int, sync: bool) -> tuple[float, dict]:
        """Forward and backward of one batch (loss scaled by 1/group_size); no gradient sync unless ``sync``."""
        ctx = self._ddp.no_sync() if (self._ddp is not None and not sync) else contextlib.nullcontext()
        with ctx:
            loss, stats = self._forward(batch)
            if loss.requires_grad:
                self.precision.backward(loss / group_size)
            elif not self._told_no_grad and any(p.requires_grad for p in self.network.parameters()):
                self._told_no_grad = True
                log.warning("a batch's loss reaches no trainable parameter: no gradient from it (told once)")
        return _scalar(loss), stats

    def optimizer_step(self) -> tuple[bool, float]:
        """Clip, step and zero the gradients; a non-finite gradient norm skips the step. Returns (stepped, norm)."""
        self.precision.unscale(self.optimizer)
        params = [p for g in self.optimizer.param_groups for p in g["params"] if p.grad is not None]
        clip = self.cfg.optim.grad_clip if self.cfg.optim.grad_clip > 0 else float("inf")
        norm = float(torch.nn.utils.clip_grad_norm_(params, clip)) if params else 0.0
        stepped = math.isfinite(norm)
        if params and (stepped or self.precision.scaler is not None):   # no gradient: SGD/AdamW would change nothing
            self.precision.step(self.optimizer)   # the fp16 scaler skips non-finite steps itself
        self.optimizer.zero_grad(set_to_none=True)
        self.iteration += 1
        return stepped, norm

    # ------------------------------------------------------------------ epochs
    def fit(self) -> dict:
        """Train from the current state to ``cfg.epochs``; returns the last metrics."""
        cfg = self.cfg
        if self.env.is_main:
            log.info("training %d epochs x %d batches (accumulate %d) on %s, world size %d, lr %.3g",
                     cfg.epochs, self.batches_per_epoch, self.accumulate, self.env.device, self.env.world_size,
                     self.lr)
        for epoch in range(self.epoch + 1, cfg.epochs + 1):
            metrics = self.train_epoch(epoch)
            if cfg.val.every_epochs > 0 and self.val_loader is not None and epoch % cfg.val.every_epochs == 0:
                metrics.update(self.validate(epoch))
            if (cfg.val.tracking_every_epochs > 0 and self.tracking_hook is not None
                    and epoch % cfg.val.tracking_every_epochs == 0):
                metrics.update(self._tracking(epoch))
            self.metrics = metrics
            self._end_of_epoch(epoch, metrics)
        barrier(self.env)
        self.monitor.close()
        return self.metrics

    def train_epoch(self, epoch: int) -> dict:
        """One epoch (from ``batch_in_epoch`` on when resuming); returns ``train/...`` averages."""
        self._set_epoch_freezing(epoch)
        self._train_mode()
        n, start, acc = self.batches_per_epoch, self.batch_in_epoch, self.accumulate
        sums: dict[str, float] = {}
        count, samples, t0 = 0, 0, time.monotonic()
        bar = tqdm(total=n, initial=start, desc=f"epoch {epoch}/{self.cfg.epochs}", unit="batch",
                   disable=not self.env.is_main, dynamic_ncols=True, leave=True)
        iterator = epoch_iterator(self.train_loader, epoch, start)
        for b in range(start, n):
            batch = next(iterator, None)
            if batch is None:
                log.warning("epoch %d: the loader ended after %d of %d batches", epoch, b, n)
                break
            batch = move_batch(batch, self.env.device)
            group_start = (b // acc) * acc
            group_size = min(acc, n - group_start)
            last_in_group = b == group_start + group_size - 1
            if b == group_start:
                self.schedule.apply(self.optimizer, self.iteration)
            loss, stats = self.micro_step(batch, group_size, sync=last_in_group)
            if math.isfinite(loss):
                count += 1
                sums["loss"] = sums.get("loss", 0.0) + loss
                for key, value in stats.items():
                    if key != "loss":
                        sums[key] = sums.get(key, 0.0) + _scalar(value)
            bs = batch_size_of(batch)
            samples += bs
            self.batch_in_epoch = b + 1
            if last_in_group:
                stepped, _ = self.optimizer_step()
                if not stepped:
                    self.skipped += 1
                    log.warning("epoch %d batch %d: non-finite gradients, optimiser step skipped (%d so far)",
                                epoch, b, self.skipped)
                self._after_step(epoch, batch, sums, count)
            elapsed = max(time.monotonic() - t0, 1e-9)
            bar.update(1)
            if count and (b % max(1, self.cfg.log.print_every) == 0 or b == n - 1):
                bar.set_postfix(loss=f"{sums['loss'] / count:.4f}", samples_s=f"{samples / elapsed:.1f}")
        bar.close()
        sync_buffers(self.env, self.network)
        self.epoch, self.batch_in_epoch = epoch, 0
        return self._epoch_train_metrics(sums, count, samples, time.monotonic() - t0)

    def _after_step(self, epoch: int, batch: Any, sums: dict, count: int) -> None:
        """Logging, visdom pictures and mid-epoch checkpoints after an optimiser step."""
        cfg = self.cfg
        if self.env.is_main and count and self.iteration % max(1, cfg.log.print_every) == 0:
            self.monitor.iteration(self.iteration, {k: v / count for k, v in sums.items()},
                                   self.current_lr())
        if self.debug >= 2 and self.viz is not None and self.iteration % max(1, cfg.log.visdom_every) == 0:
            self._show_sample(batch)
        if self.batch_in_epoch < self.batches_per_epoch and self._mid_epoch_due():
            self.save_mid_epoch(epoch)

    def _mid_epoch_due(self) -> bool:
        ck = self.cfg.checkpoint
        every_iters = int(getattr(ck, "every_iters", 0) or 0)
        if every_iters > 0 and self.iteration % every_iters == 0:
            return True
        minutes = float(getattr(ck, "every_minutes", 0) or 0)
        if minutes > 0 and self.iteration % max(1, self.cfg.log.print_every) == 0:
            due = time.monotonic() - self._last_mid_save >= minutes * 60
            return broadcast_flag(self.env, due)
        return False

    def _epoch_train_metrics(self, sums: dict, count: int, samples: int, seconds: float) -> dict:
        keys = sorted(sums)
        totals = all_reduce_sum(self.env, torch.tensor([sums[k] for k in keys] + [count, samples],
                                                       dtype=torch.float64)).cpu().tolist()
        count_all, samples_all = totals[-2], totals[-1]
        metrics = {f"train/{k}": totals[i] / count_all for i, k in enumerate(keys)} if count_all else {}
        metrics["train/samples_per_s"] = samples_all / max(seconds, 1e-9)
        return metrics

    @torch.no_grad()
    def validate(self, epoch: int) -> dict:
        """Average actor stats over the validation loader (all ranks' shares): ``val/...``."""
        self._eval_mode()
        sums: dict[str, float] = {}
        total = 0
        bar = tqdm(epoch_iterator(self.val_loader, 0, 0), total=loader_length(self.val_loader),
                   desc=f"val {epoch}/{self.cfg.epochs}", unit="batch", disable=not self.env.is_main,
                   dynamic_ncols=True, leave=False)
        for batch in bar:
            batch = move_batch(batch, self.env.device)
            n = max(1, batch_size_of(batch))
            with self.precision.autocast():
                loss, stats = self.actor(batch)
            values = {"loss": _scalar(loss), **{k: _scalar(v) for k, v in stats.items() if k != "loss"}}
            if not all(math.isfinite(v) for v in values.values()):
                continue
            for key, value in values.items():
                sums[key] = sums.get(key, 0.0) + value * n
            total += n
        keys = sorted(sums)
        totals = all_reduce_sum(self.env, torch.tensor([sums[k] for k in keys] + [total],
                                                       dtype=torch.float64)).cpu().tolist()
        self._train_mode()
        if not totals[-1]:
            log.warning("epoch %d: validation produced no finite batch", epoch)
            return {}
        return {f"val/{k}": totals[i] / totals[-1] for i, k in enumerate(keys)}

    def _tracking(self, epoch: int) -> dict:
        """The optional tracking evaluation hook (rank 0 only)."""
        metrics: dict = {}
        if self.env.is_main:
            self._eval_mode()
            try:
                metrics = {f"track/{k}": float(v) for k, v in (self.tracking_hook(self.network, self.cfg, epoch)
                                                               or {}).items()}
            finally:
                self._train_mode()
        barrier(self.env)
        return metrics

    def _show_sample(self, batch: Any) -> None:
        """Draw one sample of ``batch`` and the network's output on it into visdom (``--debug 2``)."""
        if not isinstance(batch, dict):
            return
        one = {k: (v[:1] if isinstance(v, torch.Tensor) and v.ndim else v) for k, v in batch.items()}
        self._eval_mode()
        try:
            with torch.no_grad(), self.precision.autocast():
                output = self.network(one)
        except (TypeError, ValueError, RuntimeError, KeyError) as exc:
            log.debug("no network output for the visdom sample: %s", exc)
            output = {}
        finally:
            self._train_mode()
        show_sample(self.viz, one, output if isinstance(output, dict) else {},
                    getattr(self.network, "geometry", None), panels=get_plugin(self.cfg.plugin).debug_maps)

    # ------------------------------------------------------------------ checkpoints
    def state(self) -> dict:
        """The checkpoint content (collective: every rank contributes its RNG state)."""
        rngs = gather_objects(self.env, capture_rng_state())
        return {
            "plugin": self.cfg.plugin, "setting": self.cfg.setting, "config_json": to_json(self.cfg),
            "code_version": code_version(), "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch, "iteration": self.iteration,
            "network": {k: v.detach().cpu() for k, v in self.network.state_dict().items()},
            "optimizer": self.optimizer.state_dict(), "scheduler": self.schedule.state_dict(),
            "scaler": self.precision.state_dict(), "rng": rngs, "world_size": self.env.world_size,
            "metrics": dict(self.metrics), "best": dict(self.best), "skipped_steps": self.skipped,
        }

    def save_mid_epoch(self, epoch: int) -> Optional[Path]:
        """Write ``epoch_NNNN_batch_MMMMMM.pth`` inside epoch ``epoch`` (the position is ``batch_in_epoch``)."""
        state = self.state()
        self._last_mid_save = time.monotonic()
        if not (self.env.is_main and self.run_dir is not None):
            return None
        path = save_checkpoint(self.run_dir / f"epoch_{epoch:04d}_batch_{self.batch_in_epoch:06d}.pth", state)
        prune_checkpoints(self.run_dir, self.cfg.checkpoint.keep_last)
        log.debug("mid-epoch checkpoint %s", path)
        return path

    def _end_of_epoch(self, epoch: int, metrics: dict) -> None:
        ck = self.cfg.checkpoint
        improved = self._update_best(epoch, metrics)
        save_epoch = epoch % max(1, ck.every_epochs) == 0 or epoch == self.cfg.epochs
        state = self.state() if (save_epoch or (improved and ck.keep_best)) else None
        if self.env.is_main:
            self.monitor.epoch(epoch, metrics, self._summary(epoch, metrics))
            if self.run_dir is not None and state is not None:
                if save_epoch:
                    save_checkpoint(self.run_dir / f"epoch_{epoch:04d}.pth", state)
                    prune_checkpoints(self.run_dir, ck.keep_last)
                if improved and ck.keep_best:
                    save_checkpoint(self.run_dir / "best.pth", state)
        self._last_mid_save = time.monotonic()

    def _update_best(self, epoch: int, metrics: dict) -> bool:
        name = self.cfg.checkpoint.best_metric
        if name not in metrics:
            if epoch == 1 and self.env.is_main and metrics:
                log.info("best checkpoint: metric '%s' is not measured (have: %s)", name, ", ".join(sorted(metrics)))
            return False
        value = float(metrics[name])
        old = self.best.get("value")
        better = old is None or (value > old if higher_is_better(name) else value < old)
        if better and math.isfinite(value):
            self.best = {"metric": name, "value": value, "epoch": epoch}
            return True
        return False

    def _summary(self, epoch: int, metrics: dict) -> str:
        parts = [f"epoch {epoch}/{self.cfg.epochs}", f"iter {self.iteration}"]
        parts += [f"{k} {v:.5g}" for k, v in sorted(metrics.items())]
        parts.append(f"lr {self.current_lr():.4g}")
        if self.skipped:
            parts.append(f"skipped_steps {self.skipped}")
        if self.best:
            parts.append(f"best {self.best['metric']} {self.best['value']:.5g} (epoch {self.best['epoch']})")
        line = " | ".join(parts)
        log.info(line)
        return line

    def restore(self, data: dict) -> None:
        """Continue from a loaded checkpoint: weights, optimiser, scaler, counters, best and RNG states."""
        load_weights(self.network, data["network"])
        self.optimizer.load_state_dict(data["optimizer"])
        self.precision.load_state_dict(data.get("scaler"))
        self.epoch, self.batch_in_epoch = int(data["epoch"]), int(data["batch_in_epoch"])
        self.iteration = int(data["iteration"])
        self.metrics, self.best = dict(data.get("metrics") or {}), dict(data.get("best") or {})
        self.skipped = int(data.get("skipped_steps", 0))
        rngs = data.get("rng") or []
        if len(rngs) == self.env.world_size:
            restore_rng_state(rngs[self.env.rank])
        else:
            log.warning("checkpoint was written with %d ranks, now %d: RNG states not restored (resume is not "
                        "bit-exact)", len(rngs), self.env.world_size)
        if self.batch_in_epoch >= self.batches_per_epoch:
            self.epoch, self.batch_in_epoch = self.epoch + 1, 0
