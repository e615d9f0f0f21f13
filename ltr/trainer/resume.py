"""``--resume auto|none|force|PATH``: which run folder to write into and which checkpoint to continue from."""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Optional

from common.checkpoint import list_checkpoints, list_runs, load_checkpoint, stored_config
from common.config import ConfigError, diff_configs, to_dict
from ltr.trainer.run_dir import new_run_dir

log = logging.getLogger(__name__)

# Keys that change neither the maths nor the data order: a resume may change them freely.
NEUTRAL_KEYS = ("device", "description", "data.num_workers", "log.", "checkpoint.keep_last",
                "checkpoint.every_iters", "checkpoint.every_minutes", "checkpoint.every_epochs")


class ResumeRefused(ConfigError):
    """A resume would continue with another configuration than the checkpoint's."""


@dataclasses.dataclass
class ResumePlan:
    """The run folder to write into and the checkpoint (path and loaded content) to continue from, if any."""

    run_dir: Path
    checkpoint_path: Optional[Path] = None
    checkpoint: Optional[dict] = None
    config_changes: list = dataclasses.field(default_factory=list)


def config_changes(stored: dict, cfg: Any) -> list[str]:
    """Differences ``key: old -> new`` between a stored config and ``cfg``, neutral keys left out."""
    changes = diff_configs(stored, to_dict(cfg))
    return [c for c in changes if not c.split(":", 1)[0].startswith(NEUTRAL_KEYS)]


def _check(data: dict, path: Path, cfg: Any, force: bool) -> list[str]:
    if data.get("plugin") != cfg.plugin or data.get("setting") != cfg.setting:
        raise ResumeRefused(f"{path} belongs to {data.get('plugin')}/{data.get('setting')}, "
                            f"not {cfg.plugin}/{cfg.setting}")
    changes = config_changes(stored_config(data), cfg)
    if changes and not force:
        listed = "; ".join(changes[:12]) + (" ..." if len(changes) > 12 else "")
        raise ResumeRefused(f"the configuration differs from the checkpoint {path} ({listed}). "
                            f"Use --resume force to continue with the new values, or --resume none for a new run")
    return changes


def latest_run_with_checkpoint(workspace: Path, plugin: str, setting: str) -> tuple[Optional[Path], Optional[Path]]:
    """The latest run folder and its newest checkpoint (None when the latest run has none yet)."""
    runs = list_runs(workspace, plugin, setting)
    if not runs:
        return None, None
    found = list_checkpoints(runs[-1])
    return runs[-1], (found[-1] if found else None)


def plan_resume(mode: str, workspace: Path, cfg: Any) -> ResumePlan:
    """Resolve ``--resume``: auto (latest checkpoint of the latest run, else fresh), none (new run folder),
    force (as auto, accepting config changes) or a checkpoint PATH."""
    plugin, setting = cfg.plugin, cfg.setting
    if mode == "none":
        return ResumePlan(new_run_dir(workspace, plugin, setting))
    if mode in ("auto", "force"):
        run, ckpt = latest_run_with_checkpoint(workspace, plugin, setting)
        if run is None:
            return ResumePlan(new_run_dir(workspace, plugin, setting))
        if ckpt is None:
            log.info("reusing %s: it holds no checkpoint yet", run)
            return ResumePlan(run)
        path = ckpt
    else:
        path = Path(mode).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"--resume {mode}: no such checkpoint file")
        run = path.resolve().parent
    data = load_checkpoint(path)
    changes = _check(data, path, cfg, force=(mode == "force"))
    if mode not in ("auto", "force") and not (run / "config.json").is_file():
        run = new_run_dir(workspace, plugin, setting)
    return ResumePlan(run, path, data, changes)
