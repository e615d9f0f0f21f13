"""Wire a training run together: config from the plugin's setting and overrides, process group, network,
actor, loaders, run folder / resume, visdom, then the Trainer (or the ``--benchmark``)."""
from __future__ import annotations

import dataclasses
import logging
import random
from pathlib import Path
from typing import Any, Optional

import numpy as np
import torch
import torch.distributed as dist

from common.checkpoint import load_checkpoint
from common.config import ConfigError, apply_overrides, validate_config
from common.plugins import PluginSpec, get_plugin, load_train_config
from common.visdom_client import VisdomClient
from ltr.data.loader import build_loader
from ltr.trainer.amp import Precision
from ltr.trainer.distributed import DistEnv, init_distributed, shutdown
from ltr.trainer.resume import ResumePlan, plan_resume
from ltr.trainer.run_dir import machine_paths, write_run_files
from ltr.trainer.throughput import machine_state, run_benchmark, run_pair
from ltr.trainer.trainer import TrackingHook, Trainer

log = logging.getLogger(__name__)


@dataclasses.dataclass
class RunOptions:
    """What the command line asks for."""

    plugin: str
    setting: str
    overrides: list = dataclasses.field(default_factory=list)
    resume: str = "auto"
    workers: Optional[int] = None
    seed: Optional[int] = None
    debug: int = 0
    device: Optional[str] = None
    benchmark: int = 0
    deterministic: bool = False
    command: str = ""                 # the command line as typed (recorded in env.json)


def build_config(opts: RunOptions) -> Any:
    """The setting's TrainConfig with ``--set`` overrides and the flag shortcuts applied, validated."""
    cfg = load_train_config(opts.plugin, opts.setting)
    apply_overrides(cfg, opts.overrides)
    if opts.workers is not None:
        apply_overrides(cfg, [f"data.num_workers={opts.workers}"])
    if opts.seed is not None:
        apply_overrides(cfg, [f"seed={opts.seed}"])
    if opts.device is not None:
        apply_overrides(cfg, [f"device={opts.device}"])
    validate_config(cfg)
    return cfg


def seed_all(seed: int) -> None:
    """Seed python ``random``, numpy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def build_loaders(spec: PluginSpec, cfg: Any, network: Any, env: DistEnv) -> tuple[Any, Any]:
    """The plugin's ``build_loaders`` when it has one, else ``ltr.data.loader.build_loader`` (train and val)."""
    if spec.build_loaders is not None:
        return spec.build_loaders(cfg, network, env.rank, env.world_size)

    geometry = network.geometry
    train = build_loader(cfg, geometry, split="train", rank=env.rank, world_size=env.world_size)
    val = None
    if cfg.val.every_epochs > 0 and cfg.data.val:
        val = build_loader(cfg, geometry, split="val", rank=env.rank, world_size=env.world_size)
    return train, val


def _share_plan(env: DistEnv, opts: RunOptions, cfg: Any) -> ResumePlan:
    """Rank 0 resolves ``--resume``; the other ranks receive the run folder and checkpoint path (or the error)."""
    plan, error = None, None
    if env.is_main:
        try:
            plan = plan_resume(opts.resume, machine_paths().workspace_dir, cfg)
        except (ConfigError, FileNotFoundError, ValueError) as exc:
            error = exc
    if not env.distributed:
        if error is not None:
            raise error
        return plan
    message = [None if plan is None else (str(plan.run_dir), str(plan.checkpoint_path or "")),
               None if error is None else (type(error).__name__, str(error))]
    dist.broadcast_object_list(message, src=0)
    if message[1] is not None:
        raise error if error is not None else ConfigError(message[1][1])
    run_dir, path = message[0]
    if env.is_main:
        return plan
    return ResumePlan(Path(run_dir), Path(path) if path else None, load_checkpoint(path) if path else None)


def _visdom(opts: RunOptions, cfg: Any, env: DistEnv) -> Any:
    if opts.debug < 1 or not env.is_main:
        return None

    paths = machine_paths()
    return VisdomClient(paths.visdom_host, paths.visdom_port, env=f"{cfg.plugin}_{cfg.setting}", events=False)


def _log_effective(cfg: Any, env: DistEnv) -> None:
    batch = cfg.batch_size * env.world_size * cfg.optim.accumulate
    log.info("effective batch size %d (%d per GPU x %d GPUs x %d accumulation steps); learning rate %.4g "
             "(%.4g per GPU x %d GPUs)", batch, cfg.batch_size, env.world_size, cfg.optim.accumulate,
             cfg.optim.lr * env.world_size, cfg.optim.lr, env.world_size)


def prepare(opts: RunOptions, cfg: Any, env: DistEnv, run_dir: Optional[Path],
            tracking_hook: Optional[TrackingHook] = None) -> Trainer:
    """Build network, actor, loaders and the Trainer for ``cfg`` on this rank."""
    spec = get_plugin(cfg.plugin)
    Precision(cfg.optim.amp, env.device)  # refuses fp16 on CPU before anything is built
    seed_all(cfg.seed)                    # identical initial weights on every rank
    network = spec.build_network(cfg.model)
    seed_all(cfg.seed + env.rank)
    actor = spec.build_actor(network, cfg)
    train_loader, val_loader = build_loaders(spec, cfg, network, env)
    return Trainer(cfg, network, actor, train_loader, val_loader, env=env, run_dir=run_dir,
                   visdom=_visdom(opts, cfg, env), debug=opts.debug, tracking_hook=tracking_hook)


def tracking_hook_of(spec: PluginSpec, cfg: Any) -> Optional[TrackingHook]:
    """The plugin's tracking validation when the config asks for one (logged when the plugin has none)."""
    if cfg.val.tracking_every_epochs <= 0:
        return None
    if spec.tracking_validation is None:
        log.info("plugin '%s' declares no tracking_validation; tracking validation skipped", spec.name)
    return spec.tracking_validation


def train(opts: RunOptions) -> dict:
    """Run (or resume) training as asked; returns ``{'run_dir', 'metrics', 'epoch', 'iteration'}``.

    The tracking validation is the plugin's ``PluginSpec.tracking_validation`` (used when the config asks for it)."""
    cfg = build_config(opts)
    if opts.deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
    env = init_distributed(cfg.device)
    try:
        _log_effective(cfg, env)
        if opts.benchmark:
            return benchmark(opts, cfg, env)
        plan = _share_plan(env, opts, cfg)
        hook = tracking_hook_of(get_plugin(cfg.plugin), cfg)
        trainer = prepare(opts, cfg, env, plan.run_dir if env.is_main else None, hook)
        if plan.checkpoint is not None:
            trainer.restore(plan.checkpoint)
        if env.is_main:
            _announce(plan, trainer, cfg, env, opts)
        metrics = trainer.fit()
        return {"run_dir": plan.run_dir, "metrics": metrics, "epoch": trainer.epoch, "iteration": trainer.iteration}
    finally:
        shutdown(env)


def _announce(plan: ResumePlan, trainer: Trainer, cfg: Any, env: DistEnv, opts: RunOptions) -> None:
    write_run_files(plan.run_dir, cfg, {"device": env.device, "world_size": env.world_size, "seed": cfg.seed,
                                        "resume": opts.resume, "resumed_from": str(plan.checkpoint_path or ""),
                                        "plugin": cfg.plugin, "setting": cfg.setting,
                                        **({"command": opts.command} if opts.command else {})})
    if plan.checkpoint is None:
        log.info("run folder %s (new run)", plan.run_dir)
        trainer.monitor.note(f"start {cfg.plugin}/{cfg.setting} seed {cfg.seed} world size {env.world_size}")
        return
    where = f"epoch {trainer.epoch + 1} batch {trainer.batch_in_epoch}" if trainer.batch_in_epoch else \
        f"the end of epoch {trainer.epoch}"
    log.info("resuming %s from %s (iteration %d)", plan.checkpoint_path, where, trainer.iteration)
    if trainer.epoch >= cfg.epochs:
        log.info("this run is already finished (%d of %d epochs): --resume none starts a new one, "
                 "--resume force --set epochs=N extends it", trainer.epoch, cfg.epochs)
    trainer.monitor.note(f"resume from {plan.checkpoint_path} at {where}")
    for change in plan.config_changes:
        log.warning("resume --force: configuration change %s", change)
        trainer.monitor.note(f"config change (forced): {change}")


def benchmark(opts: RunOptions, cfg: Any, env: DistEnv) -> dict:
    """``--benchmark N``: the setting's rows and, when the plugin declares a twin, the twin's at the same batch size
    (``{'benchmark': rows, 'twin': {'label', 'overrides', 'rows'}, 'machine': ...}``)."""
    twin = get_plugin(cfg.plugin).twin
    trainer = prepare(opts, cfg, env, None)
    if twin is None:
        return {"benchmark": run_benchmark(trainer, opts.benchmark), "machine": machine_state()}
    twin_cfg = validate_config(apply_overrides(build_config(opts), list(twin.setting_overrides)))
    rows, twin_rows = run_pair(trainer, prepare(opts, twin_cfg, env, None), opts.benchmark)
    return {"benchmark": rows, "twin": {"label": twin.label, "overrides": list(twin.setting_overrides),
                                        "rows": twin_rows}, "machine": machine_state()}
