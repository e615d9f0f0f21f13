"""OTB reader on the real shared sequences and annotation-only roots (OTB100.json, anno_TB100)."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from common.datasets import DatasetError, load_dataset
from common.datasets.layout import missing_sequences
from common.datasets.otb import OTB_ATTRIBUTES, align_frames


@pytest.fixture
def otb(shared_data):
    return {s.name: s for s in load_dataset("otb", root=shared_data / "sequences" / "otb")}


def test_sequence_folders(otb, shared_data):
    assert set(otb) == {"Couple", "Crossing", "David", "Football1", "Jogging-1", "Jogging-2", "MotorRolling"}
    couple = otb["Couple"]
    assert len(couple) == 140 and couple.frame_path(0).endswith("Couple/img/0001.jpg")
    np.testing.assert_array_equal(couple.ground_truth[0], [50, 46, 25, 62])  # 51,47,25,62 in the 1-based file
    assert couple.frame(0).shape == (240, 320, 3)
    assert [k for k, v in couple.attributes.items() if v] == ["OPR", "SV", "DEF", "FM", "BC"]


def test_david_starts_at_300_and_football1_has_74_frames(otb):
    david = otb["David"]
    assert len(david) == 471 and david.frame_path(0).endswith("0300.jpg") and david.frame_path(-1).endswith("0770.jpg")
    football = otb["Football1"]
    assert len(football) == 74 and len(football.ground_truth) == 74 and football.frame_path(-1).endswith("0074.jpg")


def test_jogging_gives_two_targets(otb):
    one, two = otb["Jogging-1"], otb["Jogging-2"]
    assert len(one) == len(two) == 307 and one.frames == two.frames
    np.testing.assert_array_equal(one.ground_truth[0], [110, 97, 25, 101])
    np.testing.assert_array_equal(two.ground_truth[0], [179, 78, 37, 114])


def test_without_cfg_the_first_image_and_box_count_align(shared_data, tmp_path, link):
    src = shared_data / "sequences" / "otb" / "Football1"
    link(src / "img", tmp_path / "Football1" / "img")
    shutil.copy(src / "groundtruth_rect.txt", tmp_path / "Football1" / "groundtruth_rect.txt")
    (seq,) = load_dataset("otb", root=tmp_path)
    assert len(seq) == 74 and seq.frame_path(0).endswith("0001.jpg") and seq.attributes == {}


def test_cfg_range_drops_rows_counted_from_frame_one(tmp_path, write_frames):
    images = write_frames(tmp_path, [f"{i:04d}.jpg" for i in range(1, 11)])
    boxes = np.arange(40, dtype=float).reshape(10, 4)
    frames, kept = align_frames(images, boxes, (3, 10), "Tiger1-like")
    assert [p.name for p in frames][0] == "0003.jpg" and len(frames) == 8
    np.testing.assert_array_equal(kept, boxes[2:])
    frames, kept = align_frames(images, boxes[:8], (3, 10), "aligned")
    np.testing.assert_array_equal(kept, boxes[:8])


def test_pysot_json_only(shared_data):
    root = shared_data / "benchmarks" / "otb100"
    seqs = {s.name: s for s in load_dataset("otb", root=root)}
    assert len(seqs) == 100 and missing_sequences(list(seqs.values())) == []
    real = {s.name: s for s in load_dataset("otb", root=shared_data / "sequences" / "otb")}
    for name in ("Couple", "David", "Football1", "Jogging-1", "Jogging-2", "Crossing", "MotorRolling"):
        np.testing.assert_array_equal(seqs[name].ground_truth, real[name].ground_truth[: len(seqs[name].ground_truth)])
    assert seqs["Tiger1"].frame_path(0).endswith("Tiger1/img/0006.jpg") and len(seqs["Tiger1"]) == 349
    assert seqs["David"].attributes["IV"] and not seqs["David"].attributes["LR"]
    assert set(seqs["David"].attributes) == set(OTB_ATTRIBUTES)


def test_anno_tb100_only_matches_the_json(shared_data, tmp_path, link):
    link(shared_data / "benchmarks" / "otb100" / "anno_TB100", tmp_path / "anno_TB100")
    anno = {s.name.lower(): s for s in load_dataset("otb", root=tmp_path)}
    assert len(anno) == 100 and {"couple", "jogging-1", "human4-2", "skating2-2"} <= set(anno)
    data = json.loads((shared_data / "benchmarks" / "otb100" / "OTB100.json").read_text())
    files = {p.stem.lower().replace(".", "-"): p.name for p in (tmp_path / "anno_TB100").glob("*.txt")}
    same_length = 0
    for name, entry in data.items():
        seq = anno[name.lower()]
        if files[name.lower()][0].islower():  # the OTB-2013 part: att/ columns in the toolkit order
            codes = {OTB_ATTRIBUTES[c] for c, v in seq.attributes.items() if v and c != "LR"}
            assert codes == set(entry["attr"]) - {"Low Resolution"}, name
        gt = np.asarray(entry["gt_rect"], float) - [1, 1, 0, 0]
        if len(seq.ground_truth) == len(gt):
            same_length += 1
            np.testing.assert_array_equal(seq.ground_truth, gt, err_msg=name)
    assert same_length >= 90


def test_partial_root_reports_missing(shared_data, tmp_path, link):
    link(shared_data / "benchmarks" / "otb100" / "OTB100.json", tmp_path / "OTB100.json")
    link(shared_data / "sequences" / "otb" / "Jogging", tmp_path / "Jogging")
    seqs = load_dataset("otb", root=tmp_path)
    assert [s.name for s in seqs] == ["Jogging-1", "Jogging-2"]
    assert seqs[0].attributes["OCC"]  # from the json, the folder has no attrs.txt
    missing = missing_sequences(seqs)
    assert len(missing) == 98 and "David" in missing and "Jogging-1" not in missing
    everything = load_dataset("otb", root=tmp_path, annotations_only=True)
    assert len(everything) == 100


def test_empty_root_is_an_error(tmp_path):
    with pytest.raises(DatasetError, match="holds no OTB sequences"):
        load_dataset("otb", root=tmp_path)
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset("otb", root=tmp_path / "nowhere")
