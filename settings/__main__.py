"""Command line of the settings: ``python -m settings {init,show,doctor}``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

from settings.doctor import Check, run_checks
from settings.fields import setting_names
from settings.loader import SETTINGS_FILE_ENV, load_settings, settings_file
from settings.template import render_template, write_new_file
from settings import SettingsError

DESCRIPTION = """Where things are on this machine (workspace, results, dataset roots).

Settings are resolved in three layers, later ones winning:
  1. built-in defaults
  2. the local file settings/local.toml (or the file named by $DCTRACK_SETTINGS_FILE)
  3. environment variables DCTRACK_<KEY IN CAPITALS>, e.g. DCTRACK_OTB_DIR=/data/OTB100"""

EPILOG = """examples:
  python -m settings init       write a commented settings/local.toml to edit
  python -m settings show       every setting, its value and where it came from
  python -m settings doctor     check the dataset roots and folders (exit 1 when one is broken)"""


def _cmd_init(file: Path) -> int:
    refusal = (f"error: {file} already exists; it is never overwritten. Edit it, or move it away and run "
               f"init again (`python -m settings show` shows what it sets).")
    if file.exists():
        print(refusal, file=sys.stderr)
        return 1
    try:
        write_new_file(file, render_template())
    except FileExistsError:
        print(refusal, file=sys.stderr)
        return 1
    print(f"wrote {file}: every setting is commented out at its default; uncomment and edit what you need.")
    return 0


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] for r in rows]


def _cmd_show(file: Path) -> int:
    settings = load_settings(file)
    print(f"settings file: {file} ({'found' if file.is_file() else 'absent: defaults and environment only'})")
    rows = [("key", "value", "source")]
    for key in setting_names():
        value = getattr(settings, key)
        rows.append((key, "not set" if value is None else str(value), settings.source(key)))
    for line in _table(rows):
        print(line.rstrip())
    return 0


def _print_check(check: Check, widths: tuple[int, int, int]) -> None:
    mark = "  " if check.ok else "!!"
    print(f"{mark} {check.name:<{widths[0]}}  {check.status:<{widths[1]}}  {check.value:<{widths[2]}}  {check.detail}".rstrip(),
          flush=True)


def _cmd_doctor(file: Path) -> int:
    settings = load_settings(file)
    print(f"settings file: {file} ({'found' if file.is_file() else 'absent'})")
    widths = (20, 20, 40)
    print(f"   {'check':<{widths[0]}}  {'status':<{widths[1]}}  {'value':<{widths[2]}}  detail")
    broken = []
    for check in run_checks(settings):
        _print_check(check, widths)
        if not check.ok:
            broken.append(check.name)
    if broken:
        print(f"\n{len(broken)} problem(s): {', '.join(broken)}", file=sys.stderr)
        return 1
    print("\nno problems found")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m settings``."""
    parser = argparse.ArgumentParser(prog="python -m settings", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=None,
                        help=f"the local settings file (default: ${SETTINGS_FILE_ENV} or settings/local.toml)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{init,show,doctor}")
    sub.add_parser("init", help="write a commented local settings file (refuses if it exists)",
                   description="Write the local settings file with every key commented out at its default and "
                               "a one-line explanation. An existing file is never overwritten (exit code 1).")
    sub.add_parser("show", help="print every setting, its value and its source",
                   description="Print each setting, its resolved value and where it came from: default, "
                               "<file>:<line> or env DCTRACK_<KEY>.")
    sub.add_parser("doctor", help="check dataset roots, folders and optional modules",
                   description="For each configured dataset root: does it exist, does its reader find sequences "
                               "(and how many). Also checks that the workspace/results folders are writable and "
                               "whether visdom and jpeg4py import. Exit code 1 when a configured root is broken.")
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Run the settings command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    file = args.file.expanduser().absolute() if args.file else settings_file()
    commands = {"init": _cmd_init, "show": _cmd_show, "doctor": _cmd_doctor}
    try:
        return commands[args.command](file)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
