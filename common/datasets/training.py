"""Training dataset readers: GOT-10k, TrackingNet, COCO (still images as one-frame sequences), ImageNet VID.

Box conventions (converted once, here):

* GOT-10k ``groundtruth.txt``: ``[xmin, ymin, width, height]`` used as 0-based. The toolkit evaluates
  submitted boxes against these files without any offset and our result files are 0-based, so the files
  must be read in the same convention. ``absence.label`` (1 = absent) and ``cover.label`` (visible ratio
  level 0..8) give visible = not absent and cover > 0, occlusion = cover <= 4 (at most about half visible).
  ``meta_info.ini``'s ``object_class`` becomes ``object_class``. The test split ships the first box only:
  ``ground_truth`` is None there and ``init_box`` holds it (as for TrackingNet's test split).
* TrackingNet ``anno/<seq>.txt``: ``x,y,w,h`` 0-based; frames ``frames/<seq>/<i>.jpg`` from 0.
* COCO ``bbox``: ``[x, y, w, h]`` 0-based; crowd objects and objects smaller than ``min_size`` px (either
  side) or ``min_area`` px^2 are skipped. Each object is a one-frame ``Sequence`` (``is_video=False``).
* ImageNet VID xml ``bndbox``: corners ``xmin, ymin, xmax, ymax`` (0-based, w = xmax - xmin). One sequence
  per track id spanning its first to last annotated frame; frames where it is absent are NaN rows.

Parsed COCO and ImageNet VID annotations are cached as JSON under ``<workspace_dir>/cache`` (written
atomically, keyed by the annotation source's path, size and time stamp); delete the file to re-parse.
A ``split_file`` option names a text file of sequence names (one per line), never row indices.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from tqdm import tqdm

from common.annotations import AnnotationError, load_boxes, load_flags
from common.atomic import atomic_write_text
from common.datasets import DatasetError, register_dataset
from common.datasets.base import Sequence
from common.datasets.layout import SequenceList, finish, list_images, natural_key, read_name_list
from settings import load_settings

log = logging.getLogger(__name__)


def _restrict(dataset: str, names: list[str], split_file: Optional[str]) -> tuple[list[str], Optional[list[str]]]:
    """(names to read, listed names or None): the ``split_file`` names that the root holds."""
    if split_file is None:
        return names, None
    path = Path(split_file).expanduser()
    if not path.is_file():
        raise DatasetError(f"{dataset}: split file {path} does not exist")
    listed = read_name_list(path)
    have = set(names)
    return [n for n in listed if n in have], listed


def _settings():
    return load_settings()


# ------------------------------------------------------------------------------------------------ GOT-10k
def read_meta_info(path: Path) -> dict:
    """``key: value`` lines of a GOT-10k ``meta_info.ini`` (the ``[METAINFO]`` header is skipped)."""
    meta = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if ":" in line and not line.lstrip().startswith("["):
            key, value = line.split(":", 1)
            meta[key.strip()] = value.strip()
    return meta


def read_got10k_sequence(folder: Path, first_box_only: bool = False) -> Sequence:
    """One GOT-10k sequence folder (``%08d.jpg`` frames, ``groundtruth.txt``, labels, ``meta_info.ini``)."""
    meta = read_meta_info(folder / "meta_info.ini") if (folder / "meta_info.ini").is_file() else {}
    object_class = meta.get("object_class")
    if first_box_only:
        init = load_boxes(folder / "groundtruth.txt", one_based=False, max_rows=1)[0]
        frames = [str(p) for p in list_images(folder)]
        return Sequence(name=folder.name, dataset="got10k", frames=frames, init_box=init, object_class=object_class)
    boxes = load_boxes(folder / "groundtruth.txt", one_based=False)
    n = len(boxes)
    absent = load_flags(folder / "absence.label", count=n) > 0 if (folder / "absence.label").is_file() \
        else ~np.isfinite(boxes).all(axis=1)
    cover = load_flags(folder / "cover.label", count=n) if (folder / "cover.label").is_file() else None
    visible = ~absent if cover is None else ~absent & (cover > 0)
    occlusion = None if cover is None else (cover <= 4) & ~absent
    frames = [str(folder / f"{i:08d}.jpg") for i in range(1, n + 1)]
    return Sequence(name=folder.name, dataset="got10k", frames=frames, ground_truth=boxes, visible=visible,
                    occlusion=occlusion, object_class=object_class)


def _got10k_base(root: Path, split: str) -> Path:
    if split == "test":
        test_dir = _settings().got10k_test_dir
        if test_dir:
            return Path(test_dir).expanduser()
    if (root / split).is_dir():
        return root / split
    if (root / "list.txt").is_file():
        return root  # the root is the split folder itself
    raise DatasetError(f"got10k: {root / split} does not exist (expected <root>/{split}/list.txt)")


@register_dataset("got10k", "got10k_dir", ("train", "val", "test"), "GOT-10k: <split>/list.txt + <seq>/groundtruth.txt.")
def load_got10k(root: Path, split: str = "train", split_file: Optional[str] = None) -> SequenceList:
    """GOT-10k ``split`` (``list.txt`` order); ``split_file`` restricts it to the named sequences."""
    base = _got10k_base(root, split)
    list_file = base / "list.txt"
    names = read_name_list(list_file) if list_file.is_file() else [
        d.name for d in sorted(base.iterdir(), key=lambda d: natural_key(d.name)) if (d / "groundtruth.txt").is_file()]
    listed_all = names
    names, listed = _restrict("got10k", names, split_file)
    present = [n for n in names if (base / n / "groundtruth.txt").is_file()]
    sequences = [read_got10k_sequence(base / n, first_box_only=split == "test")
                 for n in tqdm(present, desc=f"got10k {split}", leave=False, disable=len(present) < 500)]
    return finish("got10k", sequences, listed if listed is not None else listed_all)


# -------------------------------------------------------------------------------------------- TrackingNet
def _trackingnet_test_base(root: Path) -> Path:
    test_dir = _settings().trackingnet_test_dir
    candidates = ([Path(test_dir).expanduser()] if test_dir else []) + [root]
    for base in candidates:
        for folder in (base / "TEST", base):
            if (folder / "anno").is_dir():
                return folder
    raise DatasetError(f"trackingnet: no TEST/anno folder under {root} (or trackingnet_test_dir)")


def _trackingnet_sequence(chunk_dir: Path, name: str, first_box_only: bool) -> Sequence:
    gt_path = chunk_dir / "anno" / f"{name}.txt"
    frame_dir = chunk_dir / "frames" / name
    if first_box_only:
        init = load_boxes(gt_path, one_based=False, max_rows=1)[0]
        frames = [str(p) for p in list_images(frame_dir)]
        return Sequence(name=name, dataset="trackingnet", frames=frames, init_box=init)
    boxes = load_boxes(gt_path, one_based=False)
    frames = [str(frame_dir / f"{i}.jpg") for i in range(len(boxes))]
    return Sequence(name=name, dataset="trackingnet", frames=frames, ground_truth=boxes)


@register_dataset("trackingnet", "trackingnet_dir", ("train", "test"), "TrackingNet: TRAIN_<k>/anno + frames.")
def load_trackingnet(root: Path, split: str = "train", chunks: Optional[list] = None,
                     split_file: Optional[str] = None) -> SequenceList:
    """TrackingNet training ``chunks`` (default: every ``TRAIN_<k>`` present) or the test split."""
    if split == "test":
        bases = [_trackingnet_test_base(root)]
    else:
        wanted = list(range(12)) if chunks is None else [int(c) for c in chunks]
        bases = [root / f"TRAIN_{k}" for k in wanted]
        absent = [b.name for b in bases if not (b / "anno").is_dir()]
        if chunks is not None and absent:
            raise DatasetError(f"trackingnet: chunk folder(s) {', '.join(absent)} missing under {root}")
        bases = [b for b in bases if (b / "anno").is_dir()]
        if not bases:
            raise DatasetError(f"trackingnet: no TRAIN_<k>/anno folders under {root}")
    entries = [(b, p.stem) for b in bases for p in sorted((b / "anno").glob("*.txt"), key=lambda p: natural_key(p.stem))]
    names, listed = _restrict("trackingnet", [n for _, n in entries], split_file)
    keep = set(names)
    chosen = [(b, n) for b, n in entries if n in keep]
    sequences = [_trackingnet_sequence(b, n, split == "test")
                 for b, n in tqdm(chosen, desc=f"trackingnet {split}", leave=False, disable=len(chosen) < 500)]
    return finish("trackingnet", sequences, listed)


# ------------------------------------------------------------------------------------------------ caching
def cache_path(kind: str, source: Path, extra: str = "") -> Path:
    """Cache file for a parsed annotation ``source`` (keyed by its path, size, mtime and ``extra``)."""
    stat = source.stat()
    key = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{extra}"
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    return Path(_settings().workspace_dir).expanduser() / "cache" / f"{kind}_{digest}.json"


def cached(kind: str, source: Path, build: Callable[[], object], extra: str = "", use_cache: bool = True):
    """``build()``'s JSON-able result, read from / written (atomically) to the cache."""
    if not use_cache:
        return build()
    path = cache_path(kind, source, extra)
    if path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            log.warning("%s: corrupt cache file, parsing %s again", path, source)
    data = build()
    atomic_write_text(path, json.dumps(data))
    log.info("cached parsed %s annotations in %s", kind, path)
    return data


# --------------------------------------------------------------------------------------------------- COCO
def _coco_objects(ann_file: Path, min_size: float, min_area: float) -> dict:
    try:
        data = json.loads(ann_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{ann_file}:{exc.lineno}: malformed JSON ({exc.msg})") from None
    for key in ("images", "annotations", "categories"):
        if key not in data:
            raise DatasetError(f"{ann_file}: missing '{key}'")
    files = {img["id"]: img["file_name"] for img in data["images"]}
    names = {cat["id"]: cat["name"] for cat in data["categories"]}
    objects, skipped = [], 0
    for ann in data["annotations"]:
        bbox = ann.get("bbox")
        if ann.get("iscrowd", 0) or bbox is None or len(bbox) != 4:
            skipped += 1
            continue
        x, y, w, h = (float(v) for v in bbox)
        if w < min_size or h < min_size or w * h < min_area or ann["image_id"] not in files:
            skipped += 1
            continue
        objects.append([ann["id"], files[ann["image_id"]], names.get(ann["category_id"]), [x, y, w, h]])
    return {"objects": objects, "skipped": skipped}


def _coco_image_dir(root: Path, split: str) -> Path:
    for folder in (root / f"{split}2017", root / "images" / f"{split}2017"):
        if folder.is_dir():
            return folder
    return root / f"{split}2017"


@register_dataset("coco", "coco_dir", ("train", "val"), "COCO 2017 objects as one-frame sequences.")
def load_coco(root: Path, split: str = "train", min_size: float = 4.0, min_area: float = 16.0,
              use_cache: bool = True) -> SequenceList:
    """Every non-crowd COCO object of at least ``min_size`` px per side and ``min_area`` px^2."""
    ann_file = root / "annotations" / f"instances_{split}2017.json"
    if not ann_file.is_file():
        raise DatasetError(f"coco: {ann_file} does not exist")
    data = cached("coco", ann_file, lambda: _coco_objects(ann_file, min_size, min_area),
                  extra=f"{min_size}|{min_area}", use_cache=use_cache)
    if data["skipped"]:
        log.info("coco %s: skipped %d crowd/tiny objects", split, data["skipped"])
    image_dir = _coco_image_dir(root, split)
    sequences = [Sequence(name=f"{Path(file).stem}_{ann_id}", dataset="coco", frames=[str(image_dir / file)],
                          ground_truth=np.asarray([box], np.float64), object_class=cls, is_video=False)
                 for ann_id, file, cls, box in data["objects"]]
    return finish("coco", sequences)


# ------------------------------------------------------------------------------------------- ImageNet VID
def parse_vid_xml(path: Path) -> list[tuple[int, str, list[float], bool]]:
    """(trackid, class, [x, y, w, h], occluded) of each object in one ImageNet VID annotation file."""
    try:
        tree = ET.parse(path)
    except ET.ParseError as exc:
        raise AnnotationError(f"{path}:{exc.position[0]}: malformed XML ({exc})") from None
    out = []
    for obj in tree.getroot().iter("object"):
        try:
            track = int(obj.findtext("trackid"))
            box = obj.find("bndbox")
            x1, x2 = float(box.findtext("xmin")), float(box.findtext("xmax"))
            y1, y2 = float(box.findtext("ymin")), float(box.findtext("ymax"))
        except (TypeError, ValueError, AttributeError):
            raise AnnotationError(f"{path}:1: an <object> lacks trackid or bndbox xmin/ymin/xmax/ymax") from None
        out.append((track, obj.findtext("name") or "", [x1, y1, x2 - x1, y2 - y1], obj.findtext("occluded") == "1"))
    return out


def _vid_videos(root: Path, split: str) -> list[Path]:
    base = root / "Annotations" / "VID" / split
    if not base.is_dir():
        raise DatasetError(f"imagenet_vid: {base} does not exist")
    videos = sorted({p.parent for p in base.rglob("*.xml")}, key=lambda p: natural_key(str(p.relative_to(base))))
    return videos


def _vid_tracks(root: Path, split: str) -> list[dict]:
    base = root / "Annotations" / "VID" / split
    tracks = []
    for video in tqdm(_vid_videos(root, split), desc=f"parsing imagenet_vid {split}", leave=False):
        xmls = sorted(video.glob("*.xml"), key=lambda p: natural_key(p.name))
        per_track: dict[int, dict] = {}
        for index, xml in enumerate(xmls):
            for track, cls, box, occluded in parse_vid_xml(xml):
                entry = per_track.setdefault(track, {"class": cls, "frames": {}})
                entry["frames"][index] = box + [int(occluded)]
        rel = str(video.relative_to(base))
        stems = [p.stem for p in xmls]
        for track, entry in sorted(per_track.items()):
            idx = sorted(entry["frames"])
            first, last = idx[0], idx[-1]
            rows = [entry["frames"].get(i) for i in range(first, last + 1)]
            tracks.append({"video": rel, "track": track, "class": entry["class"], "stems": stems[first:last + 1],
                           "rows": rows})
    return tracks


@register_dataset("imagenet_vid", "imagenet_vid_dir", ("train", "val"), "ImageNet VID (ILSVRC2015), one sequence per track.")
def load_imagenet_vid(root: Path, split: str = "train", use_cache: bool = True,
                      split_file: Optional[str] = None) -> SequenceList:
    """ImageNet VID tracks of ``split`` (parsed once, then read from the cache)."""
    ann_base = root / "Annotations" / "VID" / split
    if not ann_base.is_dir():
        raise DatasetError(f"imagenet_vid: {ann_base} does not exist")
    tracks = cached("imagenet_vid", ann_base, lambda: _vid_tracks(root, split), extra=split, use_cache=use_cache)
    data_base = root / "Data" / "VID" / split
    sequences = []
    for t in tracks:
        rows = t["rows"]
        gt = np.array([r[:4] if r is not None else [np.nan] * 4 for r in rows], np.float64)
        occ = np.array([bool(r[4]) if r is not None else False for r in rows])
        frames = [str(data_base / t["video"] / f"{s}.JPEG") for s in t["stems"]]
        name = f"{t['video'].replace(os.sep, '/')}/{t['track']}"
        sequences.append(Sequence(name=name, dataset="imagenet_vid", frames=frames, ground_truth=gt, occlusion=occ,
                                  object_class=t["class"]))
    names, listed = _restrict("imagenet_vid", [s.name for s in sequences], split_file)
    if listed is not None:
        keep = set(names)
        sequences = [s for s in sequences if s.name in keep]
    return finish("imagenet_vid", sequences, listed)


__all__ = ["load_got10k", "read_got10k_sequence", "read_meta_info", "load_trackingnet", "load_coco",
           "load_imagenet_vid", "parse_vid_xml", "cache_path", "cached"]
