"""Benchmark readers (VOT, UAV123/UAV20L, NfS, DSST, LaSOT, generic, unlabeled) in their real layouts."""
from __future__ import annotations

import numpy as np
import pytest

from common.annotations import AnnotationError
from common.datasets import DatasetError, load_dataset
from common.datasets.layout import missing_sequences


def test_vot_polygons_shared(shared_data):
    (bag,) = load_dataset("vot", root=shared_data / "sequences" / "vot")
    assert bag.name == "bag" and len(bag) == 196 and bag.frame_path(0).endswith("00000001.jpg")
    xs, ys = [334.02, 438.19, 396.39, 292.23], [128.36, 188.78, 260.83, 200.41]  # first polygon of the file
    np.testing.assert_allclose(bag.ground_truth[0], [min(xs) - 1, min(ys) - 1, max(xs) - min(xs), max(ys) - min(ys)])
    assert bag.frame(0).shape == (360, 480, 3)


def test_vot_list_and_missing(shared_data, tmp_path, link):
    link(shared_data / "sequences" / "vot" / "bag", tmp_path / "bag")
    (tmp_path / "list.txt").write_text("bag\nball\n")
    seqs = load_dataset("vot", root=tmp_path)
    assert [s.name for s in seqs] == ["bag"] and missing_sequences(seqs) == ["ball"]


def test_vot_rle_masks_color_folder_and_tags(tmp_path, write_frames):
    seq = tmp_path / "hand"
    write_frames(seq / "color", [f"{i:08d}.jpg" for i in range(1, 4)])
    (seq / "groundtruth.txt").write_text("m2,3,4,2,2,3,1,2\nm0,0,3,3,9\nm5,5,2,2,0,4\n")
    (seq / "occlusion.tag").write_text("0\n1\n")
    (s,) = load_dataset("vot", root=tmp_path)
    np.testing.assert_array_equal(s.ground_truth[0], [2, 3, 4, 2])
    assert np.isnan(s.ground_truth[1]).all() and not s.visible[1]
    np.testing.assert_array_equal(s.ground_truth[2], [5, 5, 2, 2])
    np.testing.assert_array_equal(s.occlusion, [False, True, False])
    assert s.attributes == {"occlusion": True}
    assert s.frame_path(0).endswith("color/00000001.jpg")


def test_uav123_flat_shared(shared_data):
    (seq,) = load_dataset("uav123", root=shared_data / "sequences" / "uav123")
    assert seq.name == "wakeboard7" and len(seq) == 67
    np.testing.assert_array_equal(seq.ground_truth[0], [622, 298, 11, 38])
    assert seq.frame(0).shape == (720, 1280, 3)


def test_uav_official_layout_nan_and_subsequences(tmp_path, write_frames):
    write_frames(tmp_path / "data_seq" / "UAV123" / "car1", [f"{i:06d}.jpg" for i in range(1, 5)])
    write_frames(tmp_path / "data_seq" / "UAV123" / "bird1", [f"{i:06d}.jpg" for i in range(1, 9)])
    anno = tmp_path / "anno" / "UAV123"
    anno.mkdir(parents=True)
    (anno / "car1.txt").write_text("1,2,3,4\nNaN,NaN,NaN,NaN\n2,3,4,5\n3,4,5,6\n")
    (anno / "bird1_2.txt").write_text("5,5,2,2\n6,6,2,2\n7,7,2,2\n")
    (anno / "ghost.txt").write_text("1,1,1,1\n")
    (tmp_path / "configSeqs.m").write_text(
        "seqs={struct('name','bird1_2','path','D:\\UAV123\\data_seq\\UAV123\\bird1\\','startFrame',4,'endFrame',6,"
        "'nz',6,'ext','jpg','init_rect',[0,0,0,0])};\n")
    seqs = {s.name: s for s in load_dataset("uav123", root=tmp_path)}
    car = seqs["car1"]
    assert np.isnan(car.ground_truth[1]).all() and list(car.visible) == [True, False, True, True]
    np.testing.assert_array_equal(car.ground_truth[0], [0, 1, 3, 4])
    bird = seqs["bird1_2"]
    assert [p.split("/")[-1] for p in bird.frames] == ["000004.jpg", "000005.jpg", "000006.jpg"]
    assert missing_sequences(load_dataset("uav123", root=tmp_path)) == ["ghost"]
    (tmp_path / "anno" / "UAV20L").mkdir()
    (tmp_path / "anno" / "UAV20L" / "car1.txt").write_text("1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n")
    (long,) = load_dataset("uav20l", root=tmp_path)
    assert long.dataset == "uav20l" and len(long) == 4


def test_nfs_subsamples_240fps_rows(tmp_path, write_frames):
    folder = tmp_path / "Gymnastics" / "30"
    write_frames(folder / "Gymnastics", [f"{i:05d}.jpg" for i in range(1, 4)])
    rows = []
    for k in range(24):  # 3 frames at 30 fps = 24 rows at 240 fps
        lost, occ = int(k == 8), int(k == 16)
        rows.append(f'1 {10 + k} {20 + k} {40 + k} {60 + k} {k + 1} {lost} {occ} 0 "person"')
    (folder / "Gymnastics.txt").write_text("\n".join(rows) + "\n")
    (seq,) = load_dataset("nfs", root=tmp_path)
    assert len(seq) == 3 and seq.object_class == "person"
    np.testing.assert_array_equal(seq.ground_truth[0], [10, 20, 30, 40])
    assert np.isnan(seq.ground_truth[1]).all() and not seq.visible[1]  # row 8 is lost
    np.testing.assert_array_equal(seq.ground_truth[2], [26, 36, 30, 40])
    assert list(seq.occlusion) == [False, False, True]
    (folder / "Gymnastics.txt").write_text("1 1 2 3\n")
    with pytest.raises(AnnotationError, match="Gymnastics.txt:1"):
        load_dataset("nfs", root=tmp_path)


def test_dsst_shared(shared_data):
    (dog,) = load_dataset("dsst", root=shared_data / "sequences" / "dsst")
    assert dog.name == "dog1" and len(dog) == 1350 and dog.frame_path(0).endswith("imgs/img00001.jpg")
    np.testing.assert_array_equal(dog.ground_truth[0], [138, 111, 51, 36])


def _lasot_seq(root, name, write_frames, n=4, oov=(0, 0, 1, 0)):
    folder = root / name.rsplit("-", 1)[0] / name
    write_frames(folder / "img", [f"{i:08d}.jpg" for i in range(1, 3)])
    (folder / "groundtruth.txt").write_text("\n".join(f"{i + 1},{i + 2},10,20" for i in range(n)) + "\n")
    (folder / "full_occlusion.txt").write_text("0,1,0,0")
    (folder / "out_of_view.txt").write_text(",".join(str(v) for v in oov))
    (folder / "nlp.txt").write_text("a thing")


def test_lasot_layout_and_splits(tmp_path, write_frames):
    for name in ("airplane-1", "airplane-2", "bear-5"):
        _lasot_seq(tmp_path, name, write_frames)
    (s,) = load_dataset("lasot", "test", root=tmp_path)  # no testing_set.txt: the published list
    assert s.name == "airplane-1" and s.object_class == "airplane"
    assert len(missing_sequences(load_dataset("lasot", "test", root=tmp_path))) == 279
    np.testing.assert_array_equal(s.ground_truth[0], [0, 1, 10, 20])
    assert list(s.visible) == [True, False, False, True] and list(s.occlusion) == [False, True, False, False]
    assert s.frame_path(0).endswith("airplane/airplane-1/img/00000001.jpg")
    train = load_dataset("lasot", "train", root=tmp_path)
    assert [t.name for t in train] == ["airplane-2", "bear-5"]
    (tmp_path / "testing_set.txt").write_text("bear-5\n")
    (tmp_path / "training_set.txt").write_text("airplane-1\nairplane-2\n")
    assert [t.name for t in load_dataset("lasot", "test", root=tmp_path)] == ["bear-5"]
    assert [t.name for t in load_dataset("lasot", "train", root=tmp_path)] == ["airplane-1", "airplane-2"]
    split = tmp_path / "mine.txt"
    split.write_text("airplane-2\n")
    assert [t.name for t in load_dataset("lasot", "train", root=tmp_path, split_file=str(split))] == ["airplane-2"]


def test_lasot_flag_count_mismatch_is_an_error(tmp_path, write_frames):
    _lasot_seq(tmp_path, "airplane-1", write_frames, oov=(0, 0, 1))
    with pytest.raises(AnnotationError, match="out_of_view.txt:1: expected 4 flags"):
        load_dataset("lasot", "test", root=tmp_path)


def test_generic_folders(tmp_path, write_frames):
    write_frames(tmp_path / "cup" / "img", ["f2.png", "f10.png", "f1.png"])
    (tmp_path / "cup" / "groundtruth_rect.txt").write_text("1,1,5,5\n2,2,5,5\n3,3,5,5\n")
    write_frames(tmp_path / "pen", ["a.jpeg", "b.jpeg"])
    (tmp_path / "pen" / "boxes.txt").write_text("0 0 4 4\n1 1 4 4\n")
    seqs = {s.name: s for s in load_dataset("generic", root=tmp_path)}
    assert [p.split("/")[-1] for p in seqs["cup"].frames] == ["f1.png", "f2.png", "f10.png"]
    np.testing.assert_array_equal(seqs["cup"].ground_truth[0], [0, 0, 5, 5])
    zero = {s.name: s for s in load_dataset("generic", root=tmp_path, one_based=False)}
    np.testing.assert_array_equal(zero["pen"].ground_truth[1], [1, 1, 4, 4])
    (tmp_path / "pen" / "notes.txt").write_text("hello")
    with pytest.raises(DatasetError, match="several .txt files"):
        load_dataset("generic", root=tmp_path)


def test_unlabeled_shared(shared_data):
    for root in (shared_data / "unlabeled", shared_data / "unlabeled" / "tennis"):
        (seq,) = load_dataset("unlabeled", root=root)
        assert seq.name == "tennis" and len(seq) == 70 and seq.ground_truth is None and seq.init_box is None
    assert seq.frame(0).shape == (480, 854, 3)


def test_unlabeled_davis_layout(tmp_path, write_frames):
    write_frames(tmp_path / "JPEGImages" / "480p" / "bear", ["00000.jpg", "00001.jpg"])
    (seq,) = load_dataset("unlabeled", root=tmp_path)
    assert seq.name == "bear" and len(seq) == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no frame folders"):
        load_dataset("unlabeled", root=tmp_path / "empty")
