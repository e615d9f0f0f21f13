"""Atomic writes: a failed write leaves the previous file intact and no temporary files behind."""
from __future__ import annotations

import pytest

from common.atomic import atomic_open, atomic_write_bytes, atomic_write_text


def entries(folder):
    return sorted(p.name for p in folder.iterdir())


def test_write_creates_folders_and_replaces(tmp_path):
    target = tmp_path / "a" / "b" / "result.txt"
    atomic_write_text(target, "first\n")
    assert target.read_text() == "first\n"
    atomic_write_text(target, "second\n")
    assert target.read_text() == "second\n"
    atomic_write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert entries(target.parent) == ["result.txt"]


def test_exception_inside_the_block_keeps_the_old_file(tmp_path):
    target = tmp_path / "checkpoint.txt"
    target.write_text("old content")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_open(target) as handle:
            handle.write("half of the new cont")
            raise RuntimeError("disk full")
    assert target.read_text() == "old content"
    assert entries(tmp_path) == ["checkpoint.txt"]


def test_interrupt_inside_the_block_keeps_the_old_file(tmp_path):
    target = tmp_path / "results.txt"
    target.write_bytes(b"1,2,3,4\n")
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(target, "wb") as handle:
            handle.write(b"9,9")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"1,2,3,4\n"
    assert entries(tmp_path) == ["results.txt"]


def test_failed_first_write_leaves_nothing(tmp_path):
    target = tmp_path / "new.txt"
    with pytest.raises(ValueError):
        with atomic_open(target) as handle:
            handle.write("x")
            raise ValueError("bad data")
    assert entries(tmp_path) == []


def test_partial_content_is_never_visible(tmp_path):
    target = tmp_path / "manifest.json"
    target.write_text("{}")
    with atomic_open(target) as handle:
        handle.write('{"a": ')
        assert target.read_text() == "{}"  # readers still see the old version mid-write
        handle.write("1}")
    assert target.read_text() == '{"a": 1}'


def test_overwrite_false_refuses_and_keeps_the_file(tmp_path):
    target = tmp_path / "local.toml"
    target.write_text("mine")
    with pytest.raises(FileExistsError, match="will not be overwritten"):
        atomic_write_text(target, "template", overwrite=False)
    assert target.read_text() == "mine"
    assert entries(tmp_path) == ["local.toml"]


def test_overwrite_false_writes_a_new_file(tmp_path):
    target = tmp_path / "local.toml"
    atomic_write_text(target, "template", overwrite=False)
    assert target.read_text() == "template"
    assert entries(tmp_path) == ["local.toml"]


def test_overwrite_false_loses_a_race_without_clobbering(tmp_path):
    target = tmp_path / "local.toml"
    with pytest.raises(FileExistsError):
        with atomic_open(target, overwrite=False) as handle:
            handle.write("template")
            target.write_text("written meanwhile by someone else")
    assert target.read_text() == "written meanwhile by someone else"
    assert entries(tmp_path) == ["local.toml"]
