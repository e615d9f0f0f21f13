"""pytracking/pack_results.py: GOT-10k / TrackingNet zips accepted by a validator of the official layout rules."""
from __future__ import annotations

import io
import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import write_run  # noqa: E402

from pytracking import pack_results  # noqa: E402

LENGTHS = {"seq_a": 6, "seq_b": 4, "seq_c": 5}


def official_layout_problems(benchmark: str, payload: bytes, frames: dict) -> list:
    """The submission rules as the servers state them, checked independently of the packer.

    GOT-10k: ``<seq>/<seq>_001.txt`` (one ``x,y,w,h`` comma-separated line per frame) and ``<seq>/<seq>_time.txt``
    (one number per frame) for every test sequence. TrackingNet: ``<seq>.txt`` at the archive root, one
    ``x,y,w,h`` comma-separated line per frame.
    """
    problems = []
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        names = set(archive.namelist())
        for seq, n in frames.items():
            box = f"{seq}/{seq}_001.txt" if benchmark == "got10k" else f"{seq}.txt"
            wanted = {box: 4}
            if benchmark == "got10k":
                wanted[f"{seq}/{seq}_time.txt"] = 1
            for member, columns in wanted.items():
                if member not in names:
                    problems.append(f"missing {member}")
                    continue
                lines = archive.read(member).decode().splitlines()
                if len(lines) != n:
                    problems.append(f"{member}: {len(lines)} lines for {n} frames")
                for line in lines:
                    values = line.split(",")
                    if len(values) != columns or not all(np.isfinite(float(v)) for v in values):
                        problems.append(f"{member}: bad line {line!r}")
        if benchmark == "trackingnet" and any("/" in n for n in names):
            problems.append("TrackingNet files must lie at the zip root")
    return problems


def _boxes(n, seed=0):
    rng = np.random.default_rng(seed)
    return np.abs(rng.normal(50, 10, size=(n, 4))) + 1


def _got10k_root(tmp_path: Path) -> Path:
    root = tmp_path / "got10k"
    test = root / "test"
    test.mkdir(parents=True)
    (test / "list.txt").write_text("".join(f"{s}\n" for s in LENGTHS))
    for seq, n in LENGTHS.items():
        (test / seq).mkdir()
        (test / seq / "groundtruth.txt").write_text("10,10,20,20\n")
        for i in range(1, n + 1):
            (test / seq / f"{i:08d}.jpg").write_bytes(b"\xff\xd8")  # only listed, never decoded
    return root


def _trackingnet_root(tmp_path: Path) -> Path:
    base = tmp_path / "trackingnet" / "TEST"
    (base / "anno").mkdir(parents=True)
    for seq, n in LENGTHS.items():
        (base / "anno" / f"{seq}.txt").write_text("10,10,20,20\n")
        (base / "frames" / seq).mkdir(parents=True)
        for i in range(n):
            (base / "frames" / seq / f"{i}.jpg").write_bytes(b"\xff\xd8")
    return tmp_path / "trackingnet"


def _results() -> Path:
    return Path(os.environ["DCTRACK_RESULTS_DIR"])


@pytest.mark.parametrize("benchmark", ["got10k", "trackingnet"])
def test_packed_zip_follows_the_official_layout(benchmark, tmp_path, capsys):
    root = _got10k_root(tmp_path) if benchmark == "got10k" else _trackingnet_root(tmp_path)
    boxes = {seq: _boxes(n, i) for i, (seq, n) in enumerate(LENGTHS.items())}
    write_run(_results(), "toy", "default_002", benchmark, boxes)
    out = tmp_path / "sub.zip"
    assert pack_results.main([benchmark, "toy", "default", "--runid", "2", "--out", str(out), "--root", str(root)]) == 0
    assert "warning" not in capsys.readouterr().err  # the sequence list came from the dataset reader
    payload = out.read_bytes()
    assert official_layout_problems(benchmark, payload, LENGTHS) == []
    with zipfile.ZipFile(out) as archive:  # boxes unchanged (both servers read 0-based boxes like ours)
        member = "seq_a/seq_a_001.txt" if benchmark == "got10k" else "seq_a.txt"
        written = np.loadtxt(io.StringIO(archive.read(member).decode()), delimiter=",")
    np.testing.assert_allclose(written, boxes["seq_a"], atol=1e-4)
    # never overwritten without --force
    assert pack_results.main([benchmark, "toy", "default", "--runid", "2", "--out", str(out), "--root", str(root)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_bytes() == payload
    assert pack_results.main([benchmark, "toy", "default", "--runid", "2", "--out", str(out), "--root", str(root),
                              "--force"]) == 0


def _broken(tmp_path, mutate):
    root = _got10k_root(tmp_path)
    boxes = {seq: _boxes(n, i) for i, (seq, n) in enumerate(LENGTHS.items())}
    folder = write_run(_results(), "toy", "broken", "got10k", boxes)
    mutate(folder)
    out = tmp_path / "broken.zip"
    code = pack_results.main(["got10k", "toy", "broken", "--out", str(out), "--root", str(root)])
    assert code == 2 and not out.exists()


def test_missing_sequence_is_rejected(tmp_path, capsys):
    _broken(tmp_path, lambda f: (f / "seq_b.txt").unlink())
    assert "sequence seq_b: box file" in capsys.readouterr().err


def test_short_file_is_rejected(tmp_path, capsys):
    def cut(folder):
        lines = (folder / "seq_a.txt").read_text().splitlines()
        (folder / "seq_a.txt").write_text("\n".join(lines[:-1]) + "\n")

    _broken(tmp_path, cut)
    assert "seq_a.txt has 5 lines for 6 frames" in capsys.readouterr().err


def test_non_numeric_line_is_rejected_with_its_line(tmp_path, capsys):
    def corrupt(folder):
        lines = (folder / "seq_c.txt").read_text().splitlines()
        lines[2] = "1,2,abc,4"
        (folder / "seq_c.txt").write_text("\n".join(lines) + "\n")

    _broken(tmp_path, corrupt)
    assert "seq_c.txt:3: not a number" in capsys.readouterr().err


def test_without_dataset_root_the_results_folder_lists_sequences(tmp_path, capsys):
    write_run(_results(), "toy", "default", "trackingnet", {"x1": _boxes(3), "x2": _boxes(2)})
    out = tmp_path / "tn.zip"
    assert pack_results.main(["trackingnet", "toy", "default", "--out", str(out)]) == 0
    assert "warning" in capsys.readouterr().err
    assert official_layout_problems("trackingnet", out.read_bytes(), {"x1": 3, "x2": 2}) == []


def test_validator_rejects_a_zip_without_a_sequence():
    from pytracking.analysis.packing import PackError, build_zip, get_format, validate_zip

    fmt = get_format("got10k")
    payload = build_zip(fmt, {"a": (_boxes(3), np.full(3, 0.01))})
    validate_zip(fmt, payload, {"a": 3})
    with pytest.raises(PackError, match="b/b_001.txt is missing"):
        validate_zip(fmt, payload, {"a": 3, "b": 2})
    with pytest.raises(PackError, match="3 lines for 4 frames"):
        validate_zip(fmt, payload, {"a": 4})
