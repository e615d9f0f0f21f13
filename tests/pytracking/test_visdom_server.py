"""The offline visdom server command: page files from npm tarballs under visdom's names, clear advice without npm."""
from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from pytracking.debug import visdom_server as vs


def _write_tarballs(folder: Path) -> None:
    """One fake ``npm pack`` tarball per package, each file's content naming its package and member."""
    folder.mkdir(parents=True, exist_ok=True)
    for package in sorted({a.package for a in vs.ASSETS}):
        with tarfile.open(folder / vs.tarball_name(package), "w:gz") as tar:
            for asset in {a.member: a for a in vs.ASSETS if a.package == package}.values():
                data = f"{package}:{asset.member}".encode()
                info = tarfile.TarInfo(f"package/{asset.member}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def test_assets_installed_under_visdoms_names(tmp_path):
    static = tmp_path / "visdom" / "static"
    static.mkdir(parents=True)
    (static.parent / "VERSION").write_text("0.2.4\n")
    _write_tarballs(tmp_path / "tgz")
    assert len(vs.missing_assets(static)) == len(vs.ASSETS)
    installed = vs.ensure_assets(static, tmp_path / "tgz")
    assert len(installed) == len(vs.ASSETS) and vs.missing_assets(static) == []
    assert (static / "js" / "plotly-plotly.min.js").read_text() == "plotly.js-dist-min@2.11.1:plotly.min.js"
    assert (static / "js" / "layout_bin_packer.js").read_text() == "layout-bin-packer@1.4.0:dist/layout-bin-packer.js"
    assert (static / "js" / "mathjax" / "2.7.5" / "MathJax.js").read_text() == "mathjax@2.7.5:MathJax.js"
    assert (static / "version.built").read_text() == "0.2.4"  # visdom's own start then keeps these files
    assert vs.ensure_assets(static, tmp_path / "tgz") == []  # nothing missing: nothing rewritten


def test_missing_tarball_names_the_file(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    with pytest.raises(vs.AssetError, match=r"bootstrap-3\.3\.7\.tgz: tarball of bootstrap@3\.3\.7 not found"):
        vs.ensure_assets(static, tmp_path)


def test_without_npm_says_what_to_do(tmp_path, monkeypatch, capsys):
    static = tmp_path / "static"
    static.mkdir()
    monkeypatch.setattr(vs.shutil, "which", lambda name: None)
    monkeypatch.setattr(vs, "visdom_static_dir", lambda: static)
    assert vs.main(["--assets-only"]) == 2
    err = capsys.readouterr().err
    assert "npm is not installed" in err and "npm pack mathjax@2.7.5" in err and "--from-tarballs" in err


def test_check_lists_missing_files(tmp_path, monkeypatch, capsys):
    static = tmp_path / "static"
    static.mkdir()
    monkeypatch.setattr(vs, "visdom_static_dir", lambda: static)
    assert vs.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert f"missing {static / 'js' / 'jquery.min.js'}" in out and f"0/{len(vs.ASSETS)} page files" in out


def test_new_tornado_is_refused(monkeypatch):
    import tornado

    monkeypatch.setattr(tornado, "version", "6.5.1")
    with pytest.raises(vs.AssetError, match="tornado<6.5"):
        vs.check_tornado()
