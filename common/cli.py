"""The shared shape of a command-line entry point: parse, run, and turn user errors into one line."""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Callable, Optional, Sequence


def run_main(parser: argparse.ArgumentParser, run: Callable[[argparse.Namespace], int],
             user_errors: tuple[type[BaseException], ...], argv: Optional[Sequence[str]] = None) -> int:
    """Parse ``argv``, call ``run(args)``; a user error prints ``error: <message>`` (no traceback) and returns 2."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except user_errors as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
