"""Train a plugin's network: ``python ltr/run_training.py <plugin> <setting> [--set key=value ...]``.

Under ``torchrun --nproc_per_node N`` the same command trains with DistributedDataParallel.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

log = logging.getLogger("ltr.run_training")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description="Train a tracker plugin's network from one of its train settings.")
    p.add_argument("plugin", nargs="?", help="plugin name (folder under plugins/ or on DCTRACK_PLUGIN_PATH)")
    p.add_argument("setting", nargs="?", help="train setting (file in the plugin's train_settings/)")
    p.add_argument("--set", dest="overrides", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
                   help="override config values, e.g. --set epochs=1 optim.lr=0.001")
    p.add_argument("--resume", default="auto",
                   help="auto: continue the latest run (default); none: start a new run folder; "
                        "force: continue even if the configuration changed; or a checkpoint PATH")
    p.add_argument("--workers", type=int, help="data loader worker processes (data.num_workers)")
    p.add_argument("--seed", type=int, help="random seed")
    p.add_argument("--debug", type=int, default=0,
                   help="1: visdom loss curves and learning rate; 2: also sample pictures every log.visdom_every steps")
    p.add_argument("--device", choices=["cpu", "cuda"], help="default: the setting's device (auto: CUDA if present)")
    p.add_argument("--benchmark", type=int, default=0, metavar="N",
                   help="measure training iterations/s over N steps (with the loader, and from memory); no training")
    p.add_argument("--deterministic", action="store_true", help="torch.use_deterministic_algorithms (slower)")
    p.add_argument("--list", action="store_true", help="list plugins and their train settings")
    return p.parse_args(argv)


def list_available(plugin: str | None) -> str:
    """Plugins and their train settings as text."""
    from common.plugins import available_plugins, get_plugin, list_modules

    names = [plugin] if plugin else available_plugins()
    lines = []
    for name in names:
        spec = get_plugin(name)
        lines.append(f"{name}: {', '.join(list_modules(spec.train_settings)) or '(no train settings)'}")
    return "\n".join(lines) or "(no plugins)"


def tracking_hook():
    """The small tracking evaluation used as validation (``pytracking.api`` + ``common.metrics``): returns
    ``hook(network, cfg, epoch) -> {'auc', 'precision'}``, or None (logged) when pytracking is unavailable."""
    try:
        from pytracking import api
    except ImportError as exc:
        log.info("tracking validation unavailable (%s); skipped", exc)
        return None

    def hook(network, cfg, epoch):
        from common.datasets import DatasetError, dataset_info, load_dataset
        from common.metrics import evaluate_dataset, preset_for_dataset
        from common.plugins import get_plugin, load_parameters

        name = cfg.val.tracking_dataset
        try:
            splits = dataset_info(name).splits
            sequences = load_dataset(name, "val" if "val" in splits else None)[: cfg.val.tracking_max_sequences]
        except DatasetError as exc:
            log.warning("epoch %d: tracking validation skipped: %s", epoch, exc)
            return {}
        tracker = get_plugin(cfg.plugin).tracker_class(load_parameters(cfg.plugin, cfg.val.tracking_param), network)
        pairs = []
        for seq in sequences:
            boxes, _, _ = api.track_sequence(tracker, seq)
            pairs.append((boxes, seq.ground_truth, seq.visible))
        scores = evaluate_dataset(pairs, preset_for_dataset(name))
        log.info("epoch %d: tracking on %d %s sequences: AUC %.3f", epoch, len(pairs), name, scores.auc)
        return {"auc": scores.auc, "precision": scores.precision}

    return hook


def _setup_logging() -> None:
    rank = int(os.environ.get("RANK", "0"))
    logging.basicConfig(level=logging.INFO if rank == 0 else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")


def _print_benchmark(rows: list[dict]) -> None:
    print(f"{'mode':<18}{'it/s':>10}{'samples/s':>12}{'ms/it':>10}")
    for r in rows:
        print(f"{r['mode']:<18}{r['it_per_s']:>10.2f}{r['samples_per_s']:>12.1f}{r['ms_per_it']:>10.1f}")
    if len(rows) == 2 and rows[0]["it_per_s"] < 0.8 * rows[1]["it_per_s"]:
        print("the data loader stalls the GPU/CPU: raise --workers or simplify the data pipeline")


def _command_line(argv: list[str] | None) -> str:
    import shlex

    prefix = "torchrun ... " if "WORLD_SIZE" in os.environ else "python "
    return prefix + shlex.join(["ltr/run_training.py"] + list(sys.argv[1:] if argv is None else argv))


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for user errors)."""
    args = parse_args(argv)
    _setup_logging()
    from common.checkpoint import CheckpointError
    from common.config import ConfigError
    from common.plugins import PluginError
    from ltr.trainer.launch import RunOptions, train
    from settings import SettingsError

    try:
        if args.list:
            print(list_available(args.plugin))
            return 0
        if not args.plugin or not args.setting:
            from common.plugins import available_plugins

            print(f"error: give a plugin and a setting. Available:\n{list_available(None)}"
                  if available_plugins() else "error: give a plugin and a setting", file=sys.stderr)
            return 2
        opts = RunOptions(args.plugin, args.setting, args.overrides, args.resume, args.workers, args.seed,
                          args.debug, args.device, args.benchmark, args.deterministic,
                          command=_command_line(argv))
        result = train(opts, make_tracking_hook=tracking_hook)
    except (ConfigError, PluginError, CheckpointError, SettingsError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. a full disk while writing a checkpoint: the previous one is intact
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; continue with --resume auto", file=sys.stderr)
        return 130
    if "benchmark" in result:
        _print_benchmark(result["benchmark"])
    elif int(os.environ.get("RANK", "0")) == 0:
        print(f"done: {result['epoch']} epochs, {result['iteration']} iterations; checkpoints in {result['run_dir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
