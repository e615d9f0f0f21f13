"""Run every train setting of a plugin for a moment, each in its own process, into a throw-away workspace.

    python ltr/check_settings.py dctrack                         # epochs=1 samples_per_epoch=64 for every setting
    python ltr/check_settings.py dctrack default baseline --set epochs=1 samples_per_epoch=32

Each setting runs as ``python ltr/run_training.py <plugin> <setting> --resume none --set ...`` with
``DCTRACK_WORKSPACE_DIR`` pointing to a temporary folder, so no checkpoint of yours is touched. Prints one row
per setting (ok / FAILED, seconds, the last log line of a failure) and exits 1 when any setting failed.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common.plugins import setting_names

REPO = Path(__file__).resolve().parent.parent

DEFAULT_OVERRIDES = ("epochs=1", "samples_per_epoch=64")


def run_setting(plugin: str, setting: str, overrides: list[str], workspace: Path, timeout: float) -> tuple[bool, float, str]:
    """(ok, seconds, last output line) of one short training run in its own process."""
    env = dict(os.environ, DCTRACK_WORKSPACE_DIR=str(workspace))
    cmd = [sys.executable, str(REPO / "ltr" / "run_training.py"), plugin, setting, "--resume", "none",
           "--set", *overrides]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, time.perf_counter() - start, f"timed out after {timeout:.0f} s"
    lines = [line for line in (proc.stdout + proc.stderr).replace("\r", "\n").splitlines() if line.strip()]
    return proc.returncode == 0, time.perf_counter() - start, (lines[-1] if lines else "")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns 1 when a setting failed."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("plugin")
    p.add_argument("settings", nargs="*", help="settings to run (default: every train setting of the plugin)")
    p.add_argument("--set", dest="overrides", nargs="+", default=list(DEFAULT_OVERRIDES), metavar="KEY=VALUE")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per setting (default 900)")
    args = p.parse_args(argv)

    settings = args.settings or setting_names(args.plugin)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="dctrack_check_") as tmp:
        print(f"{'setting':32s} {'result':7s} {'seconds':>8s}")
        for setting in settings:
            ok, seconds, last = run_setting(args.plugin, setting, args.overrides, Path(tmp), args.timeout)
            failures += not ok
            print(f"{setting:32s} {'ok' if ok else 'FAILED':7s} {seconds:8.1f}" + ("" if ok else f"   {last}"), flush=True)
    print(f"{len(settings) - failures} of {len(settings)} settings ran ({' '.join(args.overrides)})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
