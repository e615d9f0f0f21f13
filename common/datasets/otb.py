"""OTB-100 (OTB-2015) reader: sequence folders as the benchmark ships them, or annotations only.

Layouts (under the ``otb_dir`` root):

* ``<Seq>/img/*.jpg`` + ``<Seq>/groundtruth_rect.txt`` (1-based ``x,y,w,h``, any delimiter). A folder with
  ``groundtruth_rect.1.txt``/``.2.txt`` holds two targets: ``Jogging-1``/``Jogging-2``, ``Skating2-1``/... .
  Frames are aligned to boxes with ``cfg.json``'s ``startFrame``/``endFrame`` (OTB Python toolkit) when
  present, else from the first image file on, one frame per box (David starts at ``0300.jpg``;
  Football1's 81 images with 74 boxes give 74 frames). A ground-truth file counted from frame 1 while
  ``startFrame`` is larger (Tiger1) loses its first ``startFrame - 1`` rows, as the toolkit does.
* Annotations only, for analysis without images: ``OTB100.json`` (pysot layout: ``gt_rect`` 1-based like
  the txt files, ``img_names``, ``attr``) or ``anno_TB100/<seq>.txt`` (+ ``att/``). Frame paths then
  point where the images would be and need not exist. In the ``anno_TB100`` layout names come from the
  file names (``couple.txt`` -> ``Couple``, ``Human4.2.txt`` -> ``Human4-2``); compare names
  case-insensitively there. Its files keep every row (Tiger1: 354 boxes from frame 1) since that layout
  carries no frame range. Caveat: public ``anno_TB100/att`` files are not all in one column order (for
  the sequences added in OTB-100 the OPR and OCC columns are swapped with respect to the OTB-2013 ones,
  as comparing them with OTB100.json shows); the json's ``attr`` lists are used whenever the root has one.

Attributes (``Sequence.attributes``) use the OTB codes of ``OTB_ATTRIBUTES`` (all eleven keys, bool), read
from ``<Seq>/attrs.txt``, else from the root's ``OTB*.json`` ``attr`` lists, else ``anno_TB100/att/``.
Option ``annotations_only=True`` reads the annotation files even when sequence folders exist.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Optional

import numpy as np

from common.annotations import AnnotationError, load_boxes, load_flags
from common.boxes import from_one_based
from common.datasets import DatasetError, register_dataset
from common.datasets.base import Sequence
from common.datasets.layout import SequenceList, fill_frame_gaps, finish, frame_number, list_images

log = logging.getLogger(__name__)

# Code -> name, in the column order of the toolkit's anno_TB100/att/<seq>.txt flag files.
OTB_ATTRIBUTES = {
    "IV": "Illumination Variation", "OPR": "Out-of-Plane Rotation", "SV": "Scale Variation", "OCC": "Occlusion",
    "DEF": "Deformation", "MB": "Motion Blur", "FM": "Fast Motion", "IPR": "In-Plane Rotation",
    "OV": "Out-of-View", "BC": "Background Clutters", "LR": "Low Resolution",
}
_CODE_OF = {name.lower(): code for code, name in OTB_ATTRIBUTES.items()}
_CODE_OF.update({code.lower(): code for code in OTB_ATTRIBUTES})
_CODE_OF["background clutter"] = "BC"


def _key(name: str) -> str:
    """Case- and separator-insensitive sequence key (``Human4.2`` == ``human4-2``)."""
    return name.lower().replace(".", "-").replace("_", "-")


def attribute_codes(names, source: str) -> dict:
    """All eleven OTB attribute codes -> bool, from a list of codes or long names."""
    out = {code: False for code in OTB_ATTRIBUTES}
    for raw in names:
        token = str(raw).strip()
        if not token:
            continue
        code = _CODE_OF.get(token.lower())
        if code is None:
            log.warning("%s: unknown OTB attribute '%s' kept as is", source, token)
            out[token] = True
        else:
            out[code] = True
    return out


class _AnnotationIndex:
    """What the root holds besides sequence folders: an ``OTB*.json`` and/or ``anno_TB100/``."""

    def __init__(self, root: Path) -> None:
        jsons = sorted(root.glob("OTB*.json"))
        self.json_path: Optional[Path] = jsons[0] if jsons else None
        self.json: dict = {}
        if self.json_path is not None:
            try:
                self.json = json.loads(self.json_path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{self.json_path}:{exc.lineno}: malformed JSON ({exc.msg})") from None
            if not isinstance(self.json, dict):
                raise DatasetError(f"{self.json_path}: expected an object of sequences")
        self.anno_dir = root / "anno_TB100"
        self.anno = {_key(p.stem): p for p in sorted(self.anno_dir.glob("*.txt"))} if self.anno_dir.is_dir() else {}
        self.json_keys = {_key(k): k for k in self.json}

    def names(self) -> list[str]:
        """Listed sequence names (json names, else anno file names)."""
        if self.json:
            return list(self.json)
        return [_anno_name(p) for p in self.anno.values()]

    def attributes(self, name: str) -> Optional[dict]:
        """Attributes of ``name`` from the json ``attr`` list or ``anno_TB100/att``, or None."""
        key = _key(name)
        if key in self.json_keys:
            entry = self.json[self.json_keys[key]]
            if isinstance(entry, dict) and "attr" in entry:
                return attribute_codes(entry["attr"], f"{self.json_path}[{self.json_keys[key]}]")
        if key in self.anno:
            att = self.anno_dir / "att" / self.anno[key].name
            if att.is_file():
                return _att_flags(att)
        return None


def _att_flags(path: Path) -> dict:
    flags = load_flags(path)
    if len(flags) != len(OTB_ATTRIBUTES):
        raise AnnotationError(f"{path}:1: expected {len(OTB_ATTRIBUTES)} attribute flags, got {len(flags)}")
    return {code: bool(f) for code, f in zip(OTB_ATTRIBUTES, flags)}


def _anno_name(path: Path) -> str:
    stem = path.stem.replace(".", "-")
    return stem[:1].upper() + stem[1:]


def _read_attrs_txt(path: Path) -> dict:
    tokens = [t for line in path.read_text(encoding="utf-8").splitlines() for t in line.replace("\t", ",").split(",")]
    return attribute_codes(tokens, str(path))


def _frame_range(folder: Path) -> Optional[tuple[int, int]]:
    cfg = folder / "cfg.json"
    if not cfg.is_file():
        return None
    try:
        data = json.loads(cfg.read_text(encoding="utf-8"))
        return int(data["startFrame"]), int(data["endFrame"])
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{cfg}:{exc.lineno}: malformed JSON ({exc.msg})") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise DatasetError(f"{cfg}: needs integer 'startFrame' and 'endFrame' ({exc})") from None


def align_frames(images: list[Path], boxes: np.ndarray, frame_range: Optional[tuple[int, int]],
                 source: str) -> tuple[list[Path], np.ndarray]:
    """Pair images with boxes: the ``frame_range`` images (by file number), else from the first image on."""
    if frame_range is not None:
        start, end = frame_range
        count = end - start + 1
        if start > 1 and len(boxes) == end and len(boxes) > count:
            boxes = boxes[start - 1:]  # the file counts from frame 1 (OTB's Tiger1)
        selected = [p for p in images if (n := frame_number(p)) is not None and start <= n <= end]
    else:
        selected = list(images)
    selected = fill_frame_gaps(selected, source, expected=len(boxes))
    if len(selected) < len(boxes):
        log.warning("%s: %d boxes but only %d frames; using the first %d boxes", source, len(boxes), len(selected),
                    len(selected))
        boxes = boxes[: len(selected)]
    elif len(selected) > len(boxes):
        log.debug("%s: %d frames, %d boxes; evaluating the first %d frames", source, len(selected), len(boxes),
                  len(boxes))
        selected = selected[: len(boxes)]
    return selected, boxes


def _targets(folder: Path) -> list[tuple[str, Path]]:
    numbered = sorted(folder.glob("groundtruth_rect.*.txt"), key=lambda p: p.name)
    numbered = [p for p in numbered if p.name.split(".")[1].isdigit()]
    if numbered:
        return [(f"{folder.name}-{p.name.split('.')[1]}", p) for p in numbered]
    return [(folder.name, folder / "groundtruth_rect.txt")]


def _read_folder(folder: Path, index: _AnnotationIndex) -> list[Sequence]:
    images = list_images(folder / "img")
    if not images:
        raise DatasetError(f"otb: {folder / 'img'} holds no .jpg frames")
    frame_range = _frame_range(folder)
    out = []
    for name, gt_path in _targets(folder):
        boxes = load_boxes(gt_path, one_based=True)
        frames, boxes = align_frames(images, boxes, frame_range, str(gt_path))
        if (folder / "attrs.txt").is_file():
            attrs = _read_attrs_txt(folder / "attrs.txt")
        else:
            attrs = index.attributes(name) or {}
        out.append(Sequence(name=name, dataset="otb", frames=[str(p) for p in frames], ground_truth=boxes,
                            attributes=attrs))
    return out


def _from_json(root: Path, index: _AnnotationIndex) -> list[Sequence]:
    out = []
    for name, entry in index.json.items():
        where = f"{index.json_path}[{name}]"
        if not isinstance(entry, dict) or "gt_rect" not in entry or "img_names" not in entry:
            raise DatasetError(f"{where}: needs 'gt_rect' and 'img_names'")
        try:
            boxes = from_one_based(np.asarray(entry["gt_rect"], dtype=np.float64).reshape(-1, 4))
        except (TypeError, ValueError) as exc:
            raise DatasetError(f"{where}: 'gt_rect' is not a list of 4-value boxes ({exc})") from None
        frames = [str(root / n) for n in entry["img_names"]]
        if len(frames) != len(boxes):
            log.warning("%s: %d image names, %d boxes; keeping %d", where, len(frames), len(boxes),
                        min(len(frames), len(boxes)))
            n = min(len(frames), len(boxes))
            frames, boxes = frames[:n], boxes[:n]
        attrs = attribute_codes(entry.get("attr", []), where)
        out.append(Sequence(name=name, dataset="otb", frames=frames, ground_truth=boxes, attributes=attrs))
    return out


def _from_anno(root: Path, index: _AnnotationIndex) -> list[Sequence]:
    if (index.anno_dir / "att").is_dir():
        log.warning("otb: attributes from %s/att assume the toolkit's column order (IV, OPR, SV, OCC, ...); public "
                    "copies swap OPR and OCC for the sequences added in OTB-100 (Board, Box, ...): put OTB100.json "
                    "in the root for exact per-attribute analysis", index.anno_dir)
    out = []
    for path in index.anno.values():
        name = _anno_name(path)
        boxes = load_boxes(path, one_based=True)
        base = name.rsplit("-", 1)[0] if name.rsplit("-", 1)[-1].isdigit() else name
        frames = [str(root / base / "img" / f"{i:04d}.jpg") for i in range(1, len(boxes) + 1)]
        att = index.anno_dir / "att" / path.name
        attrs = _att_flags(att) if att.is_file() else {}
        out.append(Sequence(name=name, dataset="otb", frames=frames, ground_truth=boxes, attributes=attrs))
    return out


def _sequence_folders(root: Path) -> list[Path]:
    folders = [d for d in root.iterdir() if d.is_dir() and any(d.glob("groundtruth_rect*.txt"))]
    return sorted(folders, key=lambda d: d.name.lower())


@register_dataset("otb", "otb_dir", ("test",), "OTB-100: <Seq>/img + groundtruth_rect.txt, or OTB100.json / anno_TB100.")
def load_otb(root: Path, split: str = "test", annotations_only: bool = False) -> SequenceList:
    """OTB sequences under ``root`` (folders with frames, else annotation files only)."""
    index = _AnnotationIndex(root)
    folders = [] if annotations_only else _sequence_folders(root)
    if folders:
        sequences = [s for folder in folders for s in _read_folder(folder, index)]
        listed = index.names() or None
        present = {_key(s.name) for s in sequences}
        missing = [n for n in (listed or []) if _key(n) not in present]
        return finish("otb", sequences, listed=missing, present=())
    if index.json:
        return finish("otb", _from_json(root, index))
    if index.anno:
        return finish("otb", _from_anno(root, index))
    raise DatasetError(f"otb: {root} holds no OTB sequences (expected <Seq>/img/*.jpg with groundtruth_rect.txt, "
                       "OTB100.json or anno_TB100/*.txt)")


__all__ = ["OTB_ATTRIBUTES", "attribute_codes", "align_frames", "load_otb"]
