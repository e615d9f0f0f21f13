"""``python -m ltr.data {verify,show,bench}``: check a dataset, look at training samples, measure the loader.

    python -m ltr.data verify otb --root /data/otb [--full]
    python -m ltr.data verify folder --root ../shared/data/sequences      # any folder of sequence folders
    python -m ltr.data show dctrack default --n 16 --out samples.png [--visdom]
    python -m ltr.data bench dctrack default --workers 1 --samples 500 [--dataset folder --root DIR] [--json out.json]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys

import cv2

from common.annotations import AnnotationError
from common.atomic import atomic_write_bytes, atomic_write_text
from common.cli import run_main
from common.config import ConfigError, apply_overrides, validate_config
from common.datasets import DatasetError
from common.image_io import ImageReadError
from common.plugins import PluginError, get_plugin, load_train_config
from common.visdom_client import client_from_settings
from ltr.data.loader import TrackingDataset, build_processing, load_entries
from ltr.data.sampler import TripletSampler
from ltr.data.tools.bench import run_bench
from ltr.data.tools.folders import load_sequences
from ltr.data.tools.show import render_grid
from ltr.data.tools.verify import verify_sequences


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ltr.data", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify", help="check every sequence of a dataset")
    v.add_argument("dataset", help="registered dataset name, or 'folder' (a folder of sequence folders, needs --root)")
    v.add_argument("--split", default=None)
    v.add_argument("--root", default=None)
    v.add_argument("--full", action="store_true", help="decode every frame (default: first/last/some)")
    for name, help_ in (("show", "render sampled training triplets"), ("bench", "loader samples per second")):
        s = sub.add_parser(name, help=help_)
        s.add_argument("plugin")
        s.add_argument("setting")
        s.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a train-config field (repeatable)")
        s.add_argument("--dataset", default=None, help="use this dataset instead of the setting's data.train")
        s.add_argument("--split", default=None)
        s.add_argument("--root", default=None)
        s.add_argument("--seed", type=int, default=None)
    show = sub.choices["show"]
    show.add_argument("--n", type=int, default=16)
    show.add_argument("--out", default="train_samples.png")
    show.add_argument("--visdom", action="store_true", help="send the grid to visdom (settings visdom_host/port)")
    bench = sub.choices["bench"]
    bench.add_argument("--workers", type=int, default=1)
    bench.add_argument("--samples", type=int, default=1024)
    bench.add_argument("--warmup", type=int, default=64, help="untimed samples first (at least one batch)")
    bench.add_argument("--json", default=None, help="also write the numbers to this JSON file")
    return p


def _table(rows, headers) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def cmd_verify(args) -> int:
    sequences = load_sequences(args.dataset, args.split, args.root)
    checks = verify_sequences(sequences, full=args.full)
    rows = [(c.name, c.frames, c.annotations, c.decoded, c.degenerate_boxes, c.outside_boxes,
             "x".join(map(str, sorted(c.resolutions)[0])) if c.resolutions else "-", "ERROR" if c.errors else
             ("warn" if c.warnings else "ok")) for c in checks]
    print(_table(rows, ("sequence", "frames", "annos", "decoded", "degenerate", "outside", "size", "status")))
    for c in checks:
        for msg in c.errors:
            print(f"ERROR {c.name}: {msg}")
        for msg in c.warnings:
            print(f"warning {c.name}: {msg}")
    bad = sum(1 for c in checks if c.errors)
    print(f"{len(checks)} sequences, {bad} with errors, {sum(1 for c in checks if c.warnings)} with warnings")
    return 1 if bad else 0


def _setup(args):
    """(train config, geometry, datasets) of a plugin setting with the command-line overrides."""
    cfg = load_train_config(args.plugin, args.setting)
    apply_overrides(cfg, args.overrides)
    if args.seed is not None:
        cfg.seed = args.seed
    validate_config(cfg)
    geometry = get_plugin(args.plugin).build_network(cfg.model).geometry
    if args.dataset:
        datasets = [(args.dataset, load_sequences(args.dataset, args.split, args.root), 1.0)]
    else:
        datasets = load_entries(cfg.data.train)
    return cfg, geometry, datasets


def cmd_show(args) -> int:
    cfg, geometry, datasets = _setup(args)
    dataset = TrackingDataset(TripletSampler(datasets, cfg.data.sampler), build_processing(cfg, geometry), args.n,
                              cfg.seed)
    samples = [dataset.generate(0, i)[0] for i in range(args.n)]
    grid = render_grid(samples, geometry, get_plugin(args.plugin).debug_maps)
    if args.visdom:
        viz = client_from_settings(env="ltr_data", events=False)
        if viz.available:
            viz.image("train_samples", grid, f"{args.plugin}/{args.setting}: {args.n} samples")
            print(f"sent {args.n} samples to visdom (env ltr_data)")
            return 0
    ok, png = cv2.imencode(".png", cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError("PNG encoding failed")
    atomic_write_bytes(args.out, png.tobytes())
    print(f"wrote {args.n} samples to {args.out} (one column per crop in the plugin's debug_maps)")
    return 0


def cmd_bench(args) -> int:
    cfg, geometry, datasets = _setup(args)
    result = run_bench(cfg, geometry, datasets, workers=args.workers, samples=args.samples, warmup=args.warmup,
                       batch_size=cfg.batch_size)
    print(_table(result.rows(), ("measure", "value")))
    if args.json:
        atomic_write_text(args.json, json.dumps(dataclasses.asdict(result), indent=2))
        print(f"wrote {args.json}")
    return 0


def main(argv=None) -> int:
    """Entry point."""
    commands = {"verify": cmd_verify, "show": cmd_show, "bench": cmd_bench}
    return run_main(_parser(), lambda args: commands[args.cmd](args),
                    (AnnotationError, DatasetError, ImageReadError, ConfigError, PluginError), argv)


if __name__ == "__main__":
    sys.exit(main())
