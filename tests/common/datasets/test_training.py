"""Training readers (GOT-10k, TrackingNet, COCO, ImageNet VID) on tiny layouts generated in tmp_path."""
from __future__ import annotations

import json

import numpy as np
import pytest

from common.datasets import DatasetError, load_dataset
from common.datasets.layout import missing_sequences

META = "[METAINFO]\nurl: https://example.org/v\nobject_class: ruddy turnstone\nmotion_class: walking\n"


def _got_seq(folder, write_frames, n=3, test=False):
    write_frames(folder, [f"{i:08d}.jpg" for i in range(1, n + 1)])
    rows = [f"{10 + i},{20 + i},30,40" for i in range(1 if test else n)]
    (folder / "groundtruth.txt").write_text("\n".join(rows) + "\n")
    if not test:
        (folder / "absence.label").write_text("0\n1\n0\n"[: 2 * n])
        (folder / "cover.label").write_text("8\n0\n3\n"[: 2 * n])
        (folder / "meta_info.ini").write_text(META)


def test_got10k_splits(tmp_path, write_frames, monkeypatch):
    for split, names in (("train", ["GOT-10k_Train_000001", "GOT-10k_Train_000002"]), ("val", ["GOT-10k_Val_000001"])):
        for name in names:
            _got_seq(tmp_path / split / name, write_frames)
        (tmp_path / split / "list.txt").write_text("\n".join(names + (["GOT-10k_Train_000003"] if split == "train" else [])))
    train = load_dataset("got10k", "train", root=tmp_path)
    assert [s.name for s in train] == ["GOT-10k_Train_000001", "GOT-10k_Train_000002"]
    assert missing_sequences(train) == ["GOT-10k_Train_000003"]
    s = train[0]
    np.testing.assert_array_equal(s.ground_truth[0], [10, 20, 30, 40])  # 0-based as shipped
    assert list(s.visible) == [True, False, True] and list(s.occlusion) == [False, False, True]
    assert s.object_class == "ruddy turnstone" and s.frame_path(2).endswith("00000003.jpg")
    assert s.frame(0).shape == (24, 32, 3)
    assert len(load_dataset("got10k", "val", root=tmp_path)) == 1
    split_file = tmp_path / "names.txt"
    split_file.write_text("GOT-10k_Train_000002\n")
    assert [x.name for x in load_dataset("got10k", "train", root=tmp_path, split_file=str(split_file))] == [
        "GOT-10k_Train_000002"]
    test_dir = tmp_path / "elsewhere" / "test"
    _got_seq(test_dir / "GOT-10k_Test_000001", write_frames, n=4, test=True)
    (test_dir / "list.txt").write_text("GOT-10k_Test_000001\n")
    monkeypatch.setenv("DCTRACK_GOT10K_TEST_DIR", str(test_dir))
    (t,) = load_dataset("got10k", "test", root=tmp_path)
    assert t.ground_truth is None and len(t) == 4
    np.testing.assert_array_equal(t.init_box, [10, 20, 30, 40])


def test_got10k_bad_label_names_the_file(tmp_path, write_frames):
    _got_seq(tmp_path / "train" / "a", write_frames)
    (tmp_path / "train" / "a" / "cover.label").write_text("8\n0\n")
    (tmp_path / "train" / "list.txt").write_text("a\n")
    with pytest.raises(ValueError, match="cover.label:1: expected 3 flags"):
        load_dataset("got10k", "train", root=tmp_path)


def test_trackingnet_chunks_and_test(tmp_path, write_frames):
    for k, name in ((0, "abc_1"), (1, "xyz_2")):
        chunk = tmp_path / f"TRAIN_{k}"
        write_frames(chunk / "frames" / name, ["0.jpg", "1.jpg", "2.jpg"])
        (chunk / "anno").mkdir(parents=True)
        (chunk / "anno" / f"{name}.txt").write_text("1,2,3,4\n2,3,4,5\n3,4,5,6\n")
    assert [s.name for s in load_dataset("trackingnet", "train", root=tmp_path)] == ["abc_1", "xyz_2"]
    (s,) = load_dataset("trackingnet", "train", root=tmp_path, chunks=[1])
    assert s.name == "xyz_2" and s.frame_path(0).endswith("TRAIN_1/frames/xyz_2/0.jpg")
    np.testing.assert_array_equal(s.ground_truth[0], [1, 2, 3, 4])
    with pytest.raises(DatasetError, match="TRAIN_5"):
        load_dataset("trackingnet", "train", root=tmp_path, chunks=[5])
    write_frames(tmp_path / "TEST" / "frames" / "tst_1", ["0.jpg", "1.jpg"])
    (tmp_path / "TEST" / "anno").mkdir(parents=True)
    (tmp_path / "TEST" / "anno" / "tst_1.txt").write_text("5,6,7,8\n")
    (t,) = load_dataset("trackingnet", "test", root=tmp_path)
    assert t.ground_truth is None and len(t) == 2 and list(t.init_box) == [5, 6, 7, 8]


def test_coco_objects_filtered_and_cached(tmp_path, write_frames, isolated_settings):
    write_frames(tmp_path / "val2017", ["000000000001.jpg"], size=(64, 48))
    ann = {"images": [{"id": 1, "file_name": "000000000001.jpg"}],
           "categories": [{"id": 7, "name": "cat"}],
           "annotations": [
               {"id": 10, "image_id": 1, "category_id": 7, "bbox": [1.5, 2.5, 20, 10], "iscrowd": 0},
               {"id": 11, "image_id": 1, "category_id": 7, "bbox": [0, 0, 30, 30], "iscrowd": 1},
               {"id": 12, "image_id": 1, "category_id": 7, "bbox": [0, 0, 3, 30], "iscrowd": 0},
               {"id": 13, "image_id": 1, "category_id": 7, "bbox": [0, 0, 6, 6], "iscrowd": 0}]}
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "instances_val2017.json").write_text(json.dumps(ann))
    seqs = load_dataset("coco", "val", root=tmp_path, min_area=40)
    assert [s.name for s in seqs] == ["000000000001_10"]
    s = seqs[0]
    assert not s.is_video and len(s) == 1 and s.object_class == "cat" and s.frame(0).shape == (48, 64, 3)
    np.testing.assert_array_equal(s.ground_truth, [[1.5, 2.5, 20, 10]])
    cache = list((isolated_settings / "workspace" / "cache").glob("coco_*.json"))
    assert len(cache) == 1
    assert [x.name for x in load_dataset("coco", "val", root=tmp_path)] == ["000000000001_10", "000000000001_13"]


VID_XML = """<annotation><folder>ILSVRC2015_val_00000000</folder><filename>{stem}</filename>
<size><width>64</width><height>48</height></size>{objects}</annotation>"""
VID_OBJ = """<object><trackid>{tid}</trackid><name>n02084071</name><bndbox><xmax>{x2}</xmax><xmin>{x1}</xmin>
<ymax>{y2}</ymax><ymin>{y1}</ymin></bndbox><occluded>{occ}</occluded><generated>0</generated></object>"""


def test_imagenet_vid_tracks(tmp_path, write_frames, isolated_settings):
    video = "ILSVRC2015_val_00000000"
    write_frames(tmp_path / "Data" / "VID" / "val" / video, [f"{i:06d}.JPEG" for i in range(4)])
    ann_dir = tmp_path / "Annotations" / "VID" / "val" / video
    ann_dir.mkdir(parents=True)
    present = {0: [0, 1], 1: [0], 2: [0, 1], 3: []}
    for frame, tracks in present.items():
        objs = "".join(VID_OBJ.format(tid=t, x1=2 + frame, y1=3, x2=12 + frame, y2=23, occ=int(frame == 2))
                       for t in tracks)
        (ann_dir / f"{frame:06d}.xml").write_text(VID_XML.format(stem=f"{frame:06d}", objects=objs))
    seqs = {s.name: s for s in load_dataset("imagenet_vid", "val", root=tmp_path)}
    assert set(seqs) == {f"{video}/0", f"{video}/1"}
    t0, t1 = seqs[f"{video}/0"], seqs[f"{video}/1"]
    assert len(t0) == 3 and len(t1) == 3  # from the first to the last annotated frame
    np.testing.assert_array_equal(t0.ground_truth[1], [3, 3, 10, 20])
    assert np.isnan(t1.ground_truth[1]).all() and list(t1.visible) == [True, False, True]
    assert list(t0.occlusion) == [False, False, True] and t0.object_class == "n02084071"
    assert t0.frame_path(0).endswith(f"Data/VID/val/{video}/000000.JPEG")
    assert len(list((isolated_settings / "workspace" / "cache").glob("imagenet_vid_*.json"))) == 1
    again = load_dataset("imagenet_vid", "val", root=tmp_path)
    np.testing.assert_array_equal(again[0].ground_truth, t0.ground_truth)
    (ann_dir / "000001.xml").write_text("<annotation><object><trackid>0</trackid></object></annotation>")
    with pytest.raises(ValueError, match="000001.xml"):
        load_dataset("imagenet_vid", "val", root=tmp_path, use_cache=False)
