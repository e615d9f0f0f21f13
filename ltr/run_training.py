"""Train a plugin's network: ``python ltr/run_training.py <plugin> <setting> [--set key=value ...]``.

Under ``torchrun --nproc_per_node N`` the same command trains with DistributedDataParallel.
"""
from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys

# Set before anything loads torch (libgomp reads it once, when it is loaded): idle OpenMP threads sleep instead of
# spinning. On a shared or oversubscribed CPU spinning threads starve each other and the data workers (docs/speed.md:
# training 2-5x faster with it at load 10 on 2 cores). OMP_WAIT_POLICY=ACTIVE in the environment restores spinning.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from common.checkpoint import CheckpointError  # noqa: E402  (after the OpenMP policy)
from common.config import ConfigError  # noqa: E402
from common.plugins import PluginError, available_plugins, get_plugin, list_modules, setting_names  # noqa: E402
from ltr.trainer.launch import RunOptions, train  # noqa: E402
from settings import SettingsError  # noqa: E402

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
    """Plugins and their train settings as text; for one plugin also its variant table (row: base + overrides)."""
    names = [plugin] if plugin else available_plugins()
    lines = []
    for name in names:
        lines.append(f"{name}: {', '.join(setting_names(name)) or '(no train settings)'}")
    if plugin:
        spec = get_plugin(plugin)
        lines.append(f"\nsetting files (plugins/{plugin}/train_settings): "
                     f"{', '.join(list_modules(spec.train_settings)) or '(none)'}")
        if spec.setting_variants:
            lines.append("variant table (name = base + overrides; reason):")
            width = max(len(n) for n in spec.setting_variants)
            for row_name, row in sorted(spec.setting_variants.items()):
                lines.append(f"  {row_name:<{width}}  = {row.describe()}\n  {'':<{width}}    {row.reason}")
    return "\n".join(lines) or "(no plugins)"


def _setup_logging() -> None:
    rank = int(os.environ.get("RANK", "0"))
    logging.basicConfig(level=logging.INFO if rank == 0 else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")


def _print_rows(rows: list[dict], title: str = "") -> None:
    if title:
        print(title)
    print(f"{'mode':<18}{'it/s':>10}{'samples/s':>12}{'ms/it':>10}{'ms/sample':>11}")
    for r in rows:
        print(f"{r['mode']:<18}{r['it_per_s']:>10.2f}{r['samples_per_s']:>12.1f}{r['ms_per_it']:>10.1f}"
              f"{r['ms_per_sample']:>11.2f}")
    if len(rows) == 2 and rows[0]["it_per_s"] < 0.8 * rows[1]["it_per_s"]:
        print("the data loader stalls the GPU/CPU: raise --workers or simplify the data pipeline")


def _print_benchmark(result: dict, setting: str) -> None:
    """The setting's rows, its twin's (the plugin's own branch off, same batch size) and the ratio per sample."""
    twin = result.get("twin")
    _print_rows(result["benchmark"], f"{setting}:" if twin else "")
    if twin:
        _print_rows(twin["rows"], f"twin ({twin['label']}: --set {' '.join(twin['overrides'])}), same batch size:")
        for mine, base in zip(result["benchmark"], twin["rows"]):
            print(f"{setting} / twin, {mine['mode']}: {mine['ms_per_sample']:.2f} / {base['ms_per_sample']:.2f} "
                  f"ms per sample = {mine['ms_per_sample'] / base['ms_per_sample']:.2f}x")
    m = result.get("machine", {})
    print(f"torch threads {m.get('torch_threads')}, {m.get('cpu_count')} cores, OMP_WAIT_POLICY "
          f"{m.get('omp_wait_policy')}, load average {m.get('load_average', '?')}")


def _command_line(argv: list[str] | None) -> str:
    prefix = "torchrun ... " if "WORLD_SIZE" in os.environ else "python "
    return prefix + shlex.join(["ltr/run_training.py"] + list(sys.argv[1:] if argv is None else argv))


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for user errors)."""
    args = parse_args(argv)
    _setup_logging()
    try:
        if args.list:
            print(list_available(args.plugin))
            return 0
        if not args.plugin or not args.setting:
            print(f"error: give a plugin and a setting. Available:\n{list_available(None)}"
                  if available_plugins() else "error: give a plugin and a setting", file=sys.stderr)
            return 2
        opts = RunOptions(args.plugin, args.setting, args.overrides, args.resume, args.workers, args.seed,
                          args.debug, args.device, args.benchmark, args.deterministic,
                          command=_command_line(argv))
        result = train(opts)
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
        _print_benchmark(result, args.setting)
    elif int(os.environ.get("RANK", "0")) == 0:
        print(f"done: {result['epoch']} epochs, {result['iteration']} iterations; checkpoints in {result['run_dir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
