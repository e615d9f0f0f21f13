"""Run a dctrack tracker under the VOT toolkit through the TraX protocol (``pip install vot-trax``).

    # print a trackers.ini entry for the VOT workspace (append it to <vot-workspace>/trackers.ini):
    python pytracking/adapters/vot_trax.py --write-ini dctrack default
    python pytracking/adapters/vot_trax.py --write-ini dctrack default --ini-file ~/vot-ws/trackers.ini
    cd ~/vot-ws && vot evaluate dctrack_default && vot analysis dctrack_default   # pip install vot-toolkit
    # the command the toolkit starts (a TraX server on stdin/stdout, or TRAX_IN/TRAX_OUT, or TRAX_SOCKET):
    python pytracking/adapters/vot_trax.py dctrack default

The entry names the checkpoint the tracker loads now (``--checkpoint``) and carries the settings in effect as
``env_DCTRACK_*`` keys, so the toolkit starts the same tracker without exported variables. The tracker is loaded
after the TraX handshake: when it cannot load, its error is in the toolkit's log (``<workspace>/logs/``).

The toolkit sends rectangles or polygons in the coordinates of the sequence's groundtruth.txt, whose pixel
origin is 1 (as the VOT reader of this toolkit assumes); the server converts to 0-based on initialisation and
back when it reports. ``--zero-based`` turns the conversion off. The server reports axis-aligned rectangles.
"""
from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]

log = logging.getLogger(__name__)


def region_to_box(region: Any, one_based: bool = True) -> np.ndarray:
    """A TraX rectangle or polygon as a 0-based ``[x, y, w, h]`` box."""
    from common.boxes import from_one_based, polygon_to_xywh

    if hasattr(region, "bounds") and region.type == "rectangle":
        box = np.asarray(region.bounds(), dtype=np.float64)
    elif region.type == "polygon":
        box = polygon_to_xywh(np.asarray([region.get(i) for i in range(region.size())], dtype=np.float64).reshape(-1))
    else:
        raise ValueError(f"unsupported TraX region type '{region.type}' (rectangle or polygon expected)")
    return from_one_based(box) if one_based else box


def box_to_region(box, one_based: bool = True) -> Any:
    """A 0-based ``[x, y, w, h]`` box as a TraX rectangle in the toolkit's convention."""
    from trax import Rectangle

    from common.boxes import to_one_based

    out = to_one_based(np.asarray(box, dtype=np.float64)) if one_based else np.asarray(box, dtype=np.float64)
    return Rectangle.create(*(float(v) for v in out))


def read_trax_image(images: dict) -> np.ndarray:
    """The colour image of a TraX request as RGB uint8 (path or encoded buffer)."""
    from common.image_io import decode_image, read_image

    image = images.get("color")
    if image is None:
        raise ValueError("TraX request carries no colour image")
    kind = image.type()
    if kind == "path":
        return read_image(image.path())
    if kind == "buffer":
        return decode_image(bytes(image.buffer()))
    raise ValueError(f"unsupported TraX image type '{kind}' (path or buffer expected)")


def serve(make_tracker: Callable[[], Any], one_based: bool = True, name: str = "dctrack") -> int:
    """Answer TraX requests until the client quits; returns the number of frames tracked.

    The tracker is made (``make_tracker()``) at the first request, after the handshake: a tracker that cannot
    load then fails during initialisation, where the VOT toolkit writes its output (this error) to its log.
    """
    from trax import Image, Region, Server, TraxStatus

    from pytracking.tracker import check_output

    frames = 0
    tracker = None
    with Server([Region.RECTANGLE, Region.POLYGON], [Image.PATH, Image.BUFFER], tracker_name=name) as server:
        while True:
            request = server.wait()
            if request.type in (TraxStatus.QUIT, TraxStatus.ERROR):
                break
            image = read_trax_image(request.image)
            tracker = tracker if tracker is not None else make_tracker()
            if request.type == TraxStatus.INITIALIZE:
                if len(request.objects) != 1:
                    raise ValueError(f"the server tracks one object, the client sent {len(request.objects)}")
                box = region_to_box(request.objects[0][0], one_based)
                tracker.initialize(image, box.copy())
                server.status([(box_to_region(box, one_based), {})])
            else:
                out = check_output(tracker.track(image), name)
                server.status([(box_to_region(out["box"], one_based), {"confidence": f"{out['score']:.4f}"})])
            frames += 1
    return frames


def ini_environment() -> dict:
    """The ``DCTRACK_*`` variables a toolkit-started server needs: the settings in effect, made explicit."""
    from settings import load_settings
    from settings.loader import SETTINGS_FILE_ENV, settings_file

    env = {k: v for k, v in sorted(os.environ.items()) if k.startswith("DCTRACK_")}
    cfg = load_settings()
    env["DCTRACK_WORKSPACE_DIR"] = str(Path(cfg.workspace_dir).expanduser().resolve())
    file = settings_file()
    if file.is_file():
        env[SETTINGS_FILE_ENV] = str(file.resolve())
    return env


def ini_entry(plugin: str, param: str, checkpoint: Optional[str] = None, device: Optional[str] = None,
              zero_based: bool = False, python: str = sys.executable) -> str:
    """A ``trackers.ini`` section that runs this server for ``plugin``/``param`` (protocol trax).

    The checkpoint the tracker would load now is written into the command, and the settings in effect
    (workspace, settings file, every ``DCTRACK_*`` variable) as ``env_`` keys, so the toolkit starts the
    same tracker without exported variables. Raises ``CheckpointNotFound`` when the tracker has none.
    """
    from pytracking.api import resolve_tracker

    setup = resolve_tracker(plugin, param, checkpoint, device)
    args = [python, str(Path(__file__).resolve()), plugin, param]
    if setup.checkpoint is not None:
        args += ["--checkpoint", str(Path(setup.checkpoint).resolve())]
    if device:
        args += ["--device", device]
    if zero_based:
        args.append("--zero-based")
    lines = [f"[{plugin}_{param}]", f"label = {plugin}_{param}", "protocol = trax", f"command = {shlex.join(args)}"]
    lines += [f"env_{key} = {value}" for key, value in ini_environment().items()]
    return "\n".join(lines) + "\n"


def append_ini(path: str | Path, entry: str) -> None:
    """Add ``entry`` to a trackers.ini (atomically); an existing section of the same name is refused."""
    from common.atomic import atomic_write_text

    path = Path(path)
    old = path.read_text() if path.is_file() else ""
    header = entry.splitlines()[0]
    if any(line.strip() == header for line in old.splitlines()):
        raise ValueError(f"{path} already has a section {header}; remove it first")
    atomic_write_text(path, old + ("\n" if old and not old.endswith("\n\n") else "") + entry)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("plugin")
    p.add_argument("param", nargs="?", default="default")
    p.add_argument("--write-ini", action="store_true", help="print (or with --ini-file append) a trackers.ini entry")
    p.add_argument("--ini-file", default=None, help="trackers.ini to append the entry to")
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--device", default=None)
    p.add_argument("--zero-based", action="store_true", help="the toolkit's coordinates are 0-based: no conversion")
    return p


def main(argv: Optional[list] = None) -> int:
    """Entry point: write the ini entry or serve TraX requests."""
    args = build_parser().parse_args(argv)
    from common.checkpoint import CheckpointError

    if args.write_ini:
        try:
            entry = ini_entry(args.plugin, args.param, args.checkpoint, args.device, args.zero_based)
        except (FileNotFoundError, CheckpointError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if args.ini_file:
            append_ini(args.ini_file, entry)
            print(f"added [{args.plugin}_{args.param}] to {args.ini_file}")
        else:
            print(entry, end="")
        return 0
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    sys.stdout = sys.stderr  # stdout may be the TraX channel: nothing of ours may print there
    from pytracking.api import load_tracker

    def make_tracker() -> Any:
        try:
            return load_tracker(args.plugin, args.param, args.checkpoint, args.device)
        except (FileNotFoundError, CheckpointError, ValueError) as exc:  # stderr reaches the toolkit's log
            raise SystemExit(f"vot_trax: cannot start tracker {args.plugin}/{args.param}: {exc}") from exc

    serve(make_tracker, one_based=not args.zero_based, name=f"{args.plugin}_{args.param}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
