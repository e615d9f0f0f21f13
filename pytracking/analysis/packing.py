"""Submission zips for the GOT-10k and TrackingNet evaluation servers, checked before they are written.

Layouts (as the official toolkits write and read them):

* GOT-10k: one folder per sequence, ``<seq>/<seq>_001.txt`` (``x,y,w,h`` comma separated, one line per frame)
  and ``<seq>/<seq>_time.txt`` (seconds per frame). The got10k toolkit compares these boxes with the
  ``groundtruth.txt`` files without any offset, and those files are read here as 0-based, so boxes are
  written unchanged.
* TrackingNet: ``<seq>.txt`` at the zip root (``x,y,w,h`` comma separated, one line per frame). The
  TrackingNet devkit compares them with ``anno/<seq>.txt`` without any offset (0-based here), so boxes are
  written unchanged.

Every box line must be four finite numbers and every sequence must have one line per frame; a broken
result set is rejected with the sequence, file and line.
"""
from __future__ import annotations

import dataclasses
import io
import logging
import re
import zipfile
from pathlib import Path

import numpy as np

from common.atomic import atomic_write_bytes
from common.boxes import to_one_based

log = logging.getLogger(__name__)

_SPLIT = re.compile(r"[,\s]+")


class PackError(ValueError):
    """A result set or zip that does not follow the submission rules; names the sequence, file and line."""


@dataclasses.dataclass(frozen=True)
class SubmissionFormat:
    """Where a benchmark's server expects each file, and the box convention of its files."""

    name: str
    one_based: bool
    with_times: bool

    def box_name(self, seq: str) -> str:
        """Zip member name of a sequence's boxes."""
        return f"{seq}/{seq}_001.txt" if self.name == "got10k" else f"{seq}.txt"

    def time_name(self, seq: str) -> str:
        """Zip member name of a sequence's times."""
        return f"{seq}/{seq}_time.txt"


FORMATS = {"got10k": SubmissionFormat("got10k", one_based=False, with_times=True),
           "trackingnet": SubmissionFormat("trackingnet", one_based=False, with_times=False)}


def get_format(name: str) -> SubmissionFormat:
    """The submission format of ``got10k`` or ``trackingnet``."""
    if name not in FORMATS:
        raise PackError(f"unknown benchmark '{name}' (known: {', '.join(sorted(FORMATS))})")
    return FORMATS[name]


def parse_numbers(text: str, columns: int, where: str) -> np.ndarray:
    """Rows of exactly ``columns`` finite numbers (comma/space separated); errors name ``where``:line."""
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            raise PackError(f"{where}:{lineno}: empty line")
        tokens = [t for t in _SPLIT.split(line.strip()) if t]
        if len(tokens) != columns:
            raise PackError(f"{where}:{lineno}: expected {columns} values, got {len(tokens)} in {line.strip()!r}")
        try:
            values = [float(t) for t in tokens]
        except ValueError:
            raise PackError(f"{where}:{lineno}: not a number in {line.strip()!r}") from None
        if not all(np.isfinite(values)):
            raise PackError(f"{where}:{lineno}: non-finite value in {line.strip()!r}")
        rows.append(values)
    return np.asarray(rows, dtype=np.float64).reshape(-1, columns)


def _read(path: Path, what: str, seq: str) -> str:
    if not path.is_file():
        raise PackError(f"sequence {seq}: {what} file {path} is missing")
    return path.read_text(encoding="utf-8")


def collect(folder: Path, fmt: SubmissionFormat, sequences: dict) -> dict:
    """``{seq: (boxes, times|None)}`` read from a run's dataset folder and checked.

    ``sequences`` maps each expected sequence to its frame count (None when unknown: then only the box and
    time files are compared with each other).
    """
    out = {}
    for seq, frames in sequences.items():
        box_path = folder / f"{seq}.txt"
        boxes = parse_numbers(_read(box_path, "box", seq), 4, str(box_path))
        if frames is not None and len(boxes) != frames:
            raise PackError(f"sequence {seq}: {box_path} has {len(boxes)} lines for {frames} frames")
        bad = np.flatnonzero((boxes[:, 2] <= 0) | (boxes[:, 3] <= 0))
        if len(bad):
            log.warning("sequence %s: %d boxes with non-positive size (first at line %d of %s)", seq, len(bad),
                        bad[0] + 1, box_path)
        times = None
        if fmt.with_times:
            time_path = folder / f"{seq}_time.txt"
            times = parse_numbers(_read(time_path, "time", seq), 1, str(time_path))[:, 0]
            if len(times) != len(boxes):
                raise PackError(f"sequence {seq}: {time_path} has {len(times)} lines, {box_path} {len(boxes)}")
        out[seq] = (boxes, times)
    return out


def build_zip(fmt: SubmissionFormat, data: dict) -> bytes:
    """The zip bytes of ``{seq: (boxes, times)}`` in the server's layout (boxes converted at this edge)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for seq in sorted(data):
            boxes, times = data[seq]
            boxes = to_one_based(boxes) if fmt.one_based else boxes
            archive.writestr(fmt.box_name(seq), "".join(",".join(f"{v:.4f}" for v in row) + "\n"
                                                        for row in np.atleast_2d(boxes)))
            if fmt.with_times:
                archive.writestr(fmt.time_name(seq), "".join(f"{t:.6f}\n" for t in times))
    return buffer.getvalue()


def validate_zip(fmt: SubmissionFormat, payload: bytes, sequences: dict) -> None:
    """Check a zip against the layout rules: every sequence's files, one numeric line per frame, nothing else."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except zipfile.BadZipFile as exc:
        raise PackError(f"not a zip file ({exc})") from None
    with archive:
        names = set(archive.namelist())
        expected = set()
        for seq, frames in sequences.items():
            members = [fmt.box_name(seq)] + ([fmt.time_name(seq)] if fmt.with_times else [])
            expected.update(members)
            for member in members:
                if member not in names:
                    raise PackError(f"zip: {member} is missing (sequence {seq})")
                columns = 4 if member == fmt.box_name(seq) else 1
                rows = parse_numbers(archive.read(member).decode("utf-8"), columns, f"zip:{member}")
                if frames is not None and len(rows) != frames:
                    raise PackError(f"zip: {member} has {len(rows)} lines for {frames} frames")
        extra = sorted(n for n in names - expected if not n.endswith("/"))
        if extra:
            raise PackError(f"zip: unexpected member(s) {', '.join(extra[:5])}")


def pack(fmt: SubmissionFormat, folder: Path, sequences: dict, out: Path, force: bool = False) -> Path:
    """Collect, zip, validate and atomically write the submission; an existing ``out`` needs ``force``."""
    out = Path(out)
    if out.exists() and not force:
        raise PackError(f"{out} exists: pass --force to replace it")
    payload = build_zip(fmt, collect(Path(folder), fmt, sequences))
    validate_zip(fmt, payload, sequences)
    atomic_write_bytes(out, payload, overwrite=force)
    return out


__all__ = ["PackError", "SubmissionFormat", "FORMATS", "get_format", "parse_numbers", "collect", "build_zip",
           "validate_zip", "pack"]
