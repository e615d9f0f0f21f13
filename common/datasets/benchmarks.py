"""Evaluation benchmark readers (besides OTB, see ``otb.py``): UAV123/UAV20L, NfS, VOT, DSST layout, LaSOT,
generic sequence folders and unlabeled frame folders. Each reads the layout the benchmark ships.

Conventions per benchmark (converted once, here, to 0-based ``xywh``):

* UAV123 / UAV20L: ``x,y,w,h`` 1-based; ``NaN`` rows mark an absent target.
* NfS: rows ``id xmin ymin xmax ymax frame lost occluded generated "label"`` annotated at 240 fps, treated as
  0-based corner coordinates (``w = xmax - xmin``). For the 30 fps frames the toolkit's subsampling is used:
  rows 0, 8, 16, ... (every 8th row) when the file has about 8x more rows than there are frames; a file
  with one row per frame is used as is. ``lost`` -> absent (NaN, not visible), ``occluded`` -> occlusion.
* VOT: polygons, 4-value boxes (1-based, as ``common.boxes`` documents VOT files) or RLE masks (0-based).
  Per-frame ``*.tag``/``*.label`` files become ``attributes`` (any frame set) and ``occlusion.tag`` the
  per-frame occlusion.
* DSST layout: OTB boxes (1-based); ``<seq>_frames.txt`` gives the first and last frame number.
* LaSOT: ``x,y,w,h`` 1-based; visible = not ``full_occlusion`` and not ``out_of_view``; occlusion =
  ``full_occlusion``; object_class = the class folder.
* generic: option ``one_based`` (default True, the OTB/LaSOT/UAV convention; pass False for 0-based files).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Optional

import numpy as np

from common.annotations import AnnotationError, load_boxes, load_flags, load_frame_range, split_tokens
from common.datasets import DatasetError, register_dataset
from common.datasets.base import Sequence
from common.datasets.layout import (SequenceList, finish, list_images, natural_key,
                                    read_name_list)
from common.datasets.otb import align_frames

log = logging.getLogger(__name__)

SPLITS_DIR = Path(__file__).resolve().parent / "splits"


def _subdirs(folder: Path) -> list[Path]:
    return sorted((d for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".")),
                  key=lambda d: natural_key(d.name))


# ------------------------------------------------------------------------------------------------ UAV123
def _uav_ranges(root: Path) -> dict[str, tuple[str, int, int]]:
    """Sub-sequence frame ranges (``bird1_1`` -> folder, start, end) from the toolkit's ``configSeqs*.m``."""
    ranges: dict[str, tuple[str, int, int]] = {}
    pattern = re.compile(r"'name'\s*,\s*'([^']+)'\s*,\s*'path'\s*,\s*'([^']+)'\s*,\s*'startFrame'\s*,\s*(\d+)\s*,"
                         r"\s*'endFrame'\s*,\s*(\d+)")
    for cfg in sorted(root.glob("configSeqs*.m")):
        for name, path, start, end in pattern.findall(cfg.read_text(encoding="utf-8", errors="replace")):
            folder = [p for p in re.split(r"[\\/]", path) if p][-1]
            ranges[name] = (folder, int(start), int(end))
    return ranges


def _uav_official(root: Path, subset: str, dataset: str) -> SequenceList:
    anno_dir, data_dir = root / "anno" / subset, root / "data_seq" / "UAV123"
    if not anno_dir.is_dir():
        raise DatasetError(f"{dataset}: {anno_dir} does not exist (expected the official anno/{subset}/ folder)")
    ranges = _uav_ranges(root)
    sequences, listed = [], []
    for gt_path in sorted(anno_dir.glob("*.txt"), key=lambda p: natural_key(p.stem)):
        name = gt_path.stem
        listed.append(name)
        folder_name, frame_range = name, None
        if name in ranges:
            folder_name, start, end = ranges[name]
            frame_range = (start, end)
        images = list_images(data_dir / folder_name)
        if not images:
            log.warning("%s: no frames for %s in %s (a sub-sequence needs configSeqs.m in the root)", dataset, name,
                        data_dir / folder_name)
            continue
        boxes = load_boxes(gt_path, one_based=True)
        frames, boxes = align_frames(images, boxes, frame_range, str(gt_path))
        sequences.append(Sequence(name=name, dataset=dataset, frames=[str(p) for p in frames], ground_truth=boxes))
    return finish(dataset, sequences, listed)


def _uav_flat(root: Path, dataset: str) -> SequenceList:
    sequences = []
    for folder in _subdirs(root):
        gt_path = folder / f"{folder.name}.txt"
        if not gt_path.is_file():
            continue
        images = list_images(folder)
        boxes = load_boxes(gt_path, one_based=True)
        frames, boxes = align_frames(images, boxes, None, str(gt_path))
        sequences.append(Sequence(name=folder.name, dataset=dataset, frames=[str(p) for p in frames],
                                  ground_truth=boxes))
    if not sequences:
        raise DatasetError(f"{dataset}: {root} holds neither anno/ + data_seq/ nor <seq>/<seq>.txt folders")
    return finish(dataset, sequences)


@register_dataset("uav123", "uav123_dir", ("test",), "UAV123: data_seq/UAV123 + anno/UAV123 (or <seq>/<seq>.txt).")
def load_uav123(root: Path, split: str = "test") -> SequenceList:
    """UAV123 in the official layout, or a flat folder of ``<seq>/{*.jpg, <seq>.txt}``."""
    if (root / "anno").is_dir():
        return _uav_official(root, "UAV123", "uav123")
    return _uav_flat(root, "uav123")


@register_dataset("uav20l", "uav123_dir", ("test",), "UAV20L: the long sequences, anno/UAV20L.")
def load_uav20l(root: Path, split: str = "test") -> SequenceList:
    """UAV20L (frames under data_seq/UAV123, boxes under anno/UAV20L), or a flat folder."""
    if (root / "anno").is_dir():
        return _uav_official(root, "UAV20L", "uav20l")
    return _uav_flat(root, "uav20l")


# ---------------------------------------------------------------------------------------------------- NfS
def read_nfs_annotation(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, Optional[str]]:
    """(boxes xywh 0-based, lost, occluded, label) of an NfS annotation file, one row per line."""
    boxes, lost, occluded, label = [], [], [], None
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        tokens = split_tokens(line)
        if len(tokens) < 8:
            raise AnnotationError(f"{path}:{lineno}: expected 'id xmin ymin xmax ymax frame lost occluded ...', "
                                  f"got {len(tokens)} values")
        try:
            x1, y1, x2, y2 = (float(t) for t in tokens[1:5])
            lost.append(int(float(tokens[6])))
            occluded.append(int(float(tokens[7])))
        except ValueError:
            raise AnnotationError(f"{path}:{lineno}: non-numeric box or flag in '{line.strip()}'") from None
        boxes.append([x1, y1, x2 - x1, y2 - y1])
        if len(tokens) > 9 and label is None:
            label = " ".join(tokens[9:]).strip('"')
    if not boxes:
        raise AnnotationError(f"{path}:1: empty annotation file")
    return np.asarray(boxes, np.float64), np.asarray(lost, bool), np.asarray(occluded, bool), label


@register_dataset("nfs", "nfs_dir", ("test",), "Need for Speed: <seq>/30/<seq>/*.jpg + <seq>/30/<seq>.txt.")
def load_nfs(root: Path, split: str = "test", fps: int = 30) -> SequenceList:
    """NfS at ``fps`` (30: 240 fps annotation rows subsampled every 8th; 240: every row)."""
    if fps not in (30, 240):
        raise DatasetError(f"nfs: fps must be 30 or 240, got {fps}")
    sequences = []
    for folder in _subdirs(root):
        gt_path = folder / str(fps) / f"{folder.name}.txt"
        images = list_images(folder / str(fps) / folder.name)
        if not gt_path.is_file() or not images:
            continue
        boxes, lost, occluded, label = read_nfs_annotation(gt_path)
        step = 240 // fps
        if fps != 240 and len(boxes) > len(images) + 1:
            keep = slice(0, None, step)
            boxes, lost, occluded = boxes[keep], lost[keep], occluded[keep]
        n = min(len(images), len(boxes))
        if len(images) != len(boxes):
            log.debug("nfs %s: %d frames, %d boxes after subsampling; using %d", folder.name, len(images), len(boxes), n)
        gt = boxes[:n].copy()
        gt[lost[:n]] = np.nan
        sequences.append(Sequence(name=folder.name, dataset="nfs", frames=[str(p) for p in images[:n]], ground_truth=gt,
                                  visible=~lost[:n], occlusion=occluded[:n], object_class=label))
    if not sequences:
        raise DatasetError(f"nfs: {root} holds no <seq>/{fps}/<seq>.txt sequences")
    return finish("nfs", sequences)


# ---------------------------------------------------------------------------------------------------- VOT
def _vot_tags(folder: Path, count: int) -> tuple[dict, Optional[np.ndarray]]:
    attrs, occlusion = {}, None
    for tag in sorted(list(folder.glob("*.tag")) + list(folder.glob("*.label"))):
        flags = load_flags(tag)
        padded = np.zeros(count, bool)
        padded[: min(count, len(flags))] = flags[:count] > 0
        attrs[tag.stem] = bool(padded.any())
        if tag.stem == "occlusion":
            occlusion = padded
    return attrs, occlusion


def _read_vot_sequence(folder: Path, one_based: bool) -> Sequence:
    gt_path = folder / "groundtruth.txt"
    images = list_images(folder / "color") or list_images(folder)
    if not images:
        raise DatasetError(f"vot: {folder} holds no frames (color/*.jpg or *.jpg next to groundtruth.txt)")
    boxes = load_boxes(gt_path, one_based=one_based)
    frames, boxes = align_frames(images, boxes, None, str(gt_path))
    attrs, occlusion = _vot_tags(folder, len(boxes))
    return Sequence(name=folder.name, dataset="vot", frames=[str(p) for p in frames], ground_truth=boxes,
                    attributes=attrs, occlusion=occlusion)


@register_dataset("vot", "vot_dir", ("test",), "VOT: list.txt + <seq>/groundtruth.txt (polygons, boxes or masks).")
def load_vot(root: Path, split: str = "test", one_based: bool = True) -> SequenceList:
    """VOT sequences listed in ``list.txt`` (else every folder with a ``groundtruth.txt``)."""
    list_file = root / "list.txt"
    if list_file.is_file():
        listed = read_name_list(list_file)
        present = [n for n in listed if (root / n / "groundtruth.txt").is_file()]
        return finish("vot", [_read_vot_sequence(root / n, one_based) for n in present], listed)
    folders = [d for d in _subdirs(root) if (d / "groundtruth.txt").is_file()]
    if not folders and (root / "groundtruth.txt").is_file():
        folders = [root]
    if not folders:
        raise DatasetError(f"vot: {root} holds no list.txt and no <seq>/groundtruth.txt")
    return finish("vot", [_read_vot_sequence(d, one_based) for d in folders])


# ---------------------------------------------------------------------------------------------------- DSST
@register_dataset("dsst", "dsst_dir", ("test",), "Sequences in the DSST code layout: <seq>/imgs + <seq>_gt.txt.")
def load_dsst(root: Path, split: str = "test") -> SequenceList:
    """Folders ``<seq>/imgs/img%05d.jpg`` with ``<seq>_gt.txt`` and optional ``<seq>_frames.txt``."""
    sequences = []
    for folder in _subdirs(root):
        gt_path = folder / f"{folder.name}_gt.txt"
        if not gt_path.is_file():
            continue
        images = list_images(folder / "imgs")
        if not images:
            raise DatasetError(f"dsst: {folder / 'imgs'} holds no frames")
        range_file = folder / f"{folder.name}_frames.txt"
        frame_range = load_frame_range(range_file) if range_file.is_file() else None
        boxes = load_boxes(gt_path, one_based=True)
        frames, boxes = align_frames(images, boxes, frame_range, str(gt_path))
        sequences.append(Sequence(name=folder.name, dataset="dsst", frames=[str(p) for p in frames],
                                  ground_truth=boxes))
    if not sequences:
        raise DatasetError(f"dsst: {root} holds no <seq>/<seq>_gt.txt sequences")
    return finish("dsst", sequences)


# --------------------------------------------------------------------------------------------------- LaSOT
def lasot_split_names(root: Path, split: str) -> Optional[list[str]]:
    """Names of the LaSOT ``split``: the root's testing_set.txt/training_set.txt, else the published test
    list (``splits/lasot_test.txt``); None for train without a list (= every sequence not in the test list)."""
    own = root / ("testing_set.txt" if split == "test" else "training_set.txt")
    if own.is_file():
        return read_name_list(own)
    if split == "test":
        return read_name_list(SPLITS_DIR / "lasot_test.txt")
    return None


def _lasot_folder(root: Path, name: str) -> Path:
    flat = root / name
    return flat if (flat / "groundtruth.txt").is_file() else root / name.rsplit("-", 1)[0] / name


def read_lasot_sequence(folder: Path) -> Sequence:
    """One LaSOT sequence folder (``groundtruth.txt``, ``full_occlusion.txt``, ``out_of_view.txt``, ``img/``)."""
    boxes = load_boxes(folder / "groundtruth.txt", one_based=True)
    n = len(boxes)
    full_occ = load_flags(folder / "full_occlusion.txt", count=n) > 0 if (folder / "full_occlusion.txt").is_file() \
        else np.zeros(n, bool)
    oov = load_flags(folder / "out_of_view.txt", count=n) > 0 if (folder / "out_of_view.txt").is_file() \
        else np.zeros(n, bool)
    frames = [str(folder / "img" / f"{i:08d}.jpg") for i in range(1, n + 1)]
    return Sequence(name=folder.name, dataset="lasot", frames=frames, ground_truth=boxes, visible=~(full_occ | oov),
                    occlusion=full_occ, object_class=folder.name.rsplit("-", 1)[0])


def _lasot_present(root: Path) -> list[str]:
    names = []
    for cls in _subdirs(root):
        if (cls / "groundtruth.txt").is_file():
            names.append(cls.name)  # a flat folder of sequences (LaSOTTesting style)
            continue
        names.extend(d.name for d in _subdirs(cls) if (d / "groundtruth.txt").is_file())
    return names


@register_dataset("lasot", "lasot_dir", ("test", "train"), "LaSOT: <class>/<class>-<n>/img + groundtruth.txt.")
def load_lasot(root: Path, split: str = "test", split_file: Optional[str] = None) -> SequenceList:
    """LaSOT ``split`` (the official Protocol II split, or the names in ``split_file``)."""
    present = _lasot_present(root)
    if split_file is not None:
        listed = read_name_list(Path(split_file))
    else:
        listed = lasot_split_names(root, split)
    if listed is None:
        test = set(lasot_split_names(root, "test") or [])
        listed = [n for n in present if n not in test]
    have = set(present)
    sequences = [read_lasot_sequence(_lasot_folder(root, n)) for n in listed if n in have]
    return finish("lasot", sequences, listed)


# ------------------------------------------------------------------------------------------------ generic
def _generic_gt(folder: Path) -> Optional[Path]:
    gts = sorted(folder.glob("groundtruth*.txt"))
    if gts:
        return gts[0]
    txts = sorted(folder.glob("*.txt"))
    if len(txts) == 1:
        return txts[0]
    if len(txts) > 1:
        raise DatasetError(f"generic: {folder} holds several .txt files ({', '.join(p.name for p in txts)}) and no "
                           "groundtruth*.txt: name the ground truth groundtruth.txt")
    return None


def _read_generic(folder: Path, one_based: bool) -> Optional[Sequence]:
    images = list_images(folder / "img") or list_images(folder)
    gt_path = _generic_gt(folder)
    if not images or gt_path is None:
        return None
    boxes = load_boxes(gt_path, one_based=one_based)
    frames, boxes = align_frames(images, boxes, None, str(gt_path))
    return Sequence(name=folder.name, dataset="generic", frames=[str(p) for p in frames], ground_truth=boxes)


@register_dataset("generic", "generic_dir", ("test",), "Your own: <seq>/ frames (or img/) + one ground-truth txt.")
def load_generic(root: Path, split: str = "test", one_based: bool = True) -> SequenceList:
    """Folders of frames with one ground-truth file each (``one_based``: the file's first pixel is 1)."""
    sequences = [s for d in _subdirs(root) if (s := _read_generic(d, one_based)) is not None]
    if not sequences:
        single = _read_generic(root, one_based)
        sequences = [single] if single is not None else []
    if not sequences:
        raise DatasetError(f"generic: {root} holds no sequence folders (frames + groundtruth*.txt)")
    return finish("generic", sequences)


# ---------------------------------------------------------------------------------------------- unlabeled
@register_dataset("unlabeled", "unlabeled_dir", ("test",), "Frames without annotation (DAVIS / YouTube-VOS folders).")
def load_unlabeled(root: Path, split: str = "test") -> SequenceList:
    """Folders of frames without ground truth (``ground_truth`` None); the root may itself be one folder."""
    base = next((c for c in (root / "JPEGImages" / "480p", root / "JPEGImages") if c.is_dir()), root)
    sequences = []
    for folder in _subdirs(base):
        images = list_images(folder)
        if images:
            sequences.append(Sequence(name=folder.name, dataset="unlabeled", frames=[str(p) for p in images]))
    if not sequences:
        images = list_images(base)
        if images:
            sequences.append(Sequence(name=base.name, dataset="unlabeled", frames=[str(p) for p in images]))
    if not sequences:
        raise DatasetError(f"unlabeled: {root} holds no frame folders")
    return finish("unlabeled", sequences)


__all__ = ["load_uav123", "load_uav20l", "load_nfs", "read_nfs_annotation", "load_vot", "load_dsst", "load_lasot",
           "lasot_split_names", "read_lasot_sequence", "load_generic", "load_unlabeled"]
