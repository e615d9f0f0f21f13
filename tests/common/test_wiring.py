"""The project's wiring: no ``sys.path`` edits, scripts run by path see no shadowed module, ``ltr`` never loads
``pytracking``, and every console entry point of ``pyproject.toml`` names a real ``main``."""
from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORE = ("common", "settings", "ltr", "pytracking", "plugins")
SCRIPTS = ("ltr/run_training.py", "ltr/check_settings.py", "pytracking/run_tracker.py", "pytracking/run_video.py",
           "pytracking/analyze.py", "pytracking/playback.py", "pytracking/pack_results.py", "pytracking/benchmark.py")


def _python_files(*roots: str) -> list[Path]:
    return sorted(p for root in roots for p in (REPO / root).rglob("*.py"))


def test_no_sys_path_edits_in_the_toolkit():
    hits = [f"{p.relative_to(REPO)}:{i}" for p in _python_files(*CORE)
            for i, line in enumerate(p.read_text().splitlines(), 1) if "sys.path" in line]
    assert hits == []


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_script_run_by_path_loads_no_module_of_its_folder_under_a_top_level_name(script):
    """``python ltr/run_training.py`` puts ``ltr/`` first on sys.path: nothing there may be imported as ``config``."""
    folder = (REPO / script).parent
    code = (
        "import runpy, sys\n"
        f"sys.path[0] = {str(folder)!r}; sys.argv = [{script!r}, '--help']\n"
        f"try:\n    runpy.run_path({str(REPO / script)!r}, run_name='__main__')\nexcept SystemExit:\n    pass\n"
        f"bad = sorted(n for n, m in list(sys.modules.items()) if n not in ('__main__', '__mp_main__', {folder.name!r}) and "
        f"str(getattr(m, '__file__', '') or '').startswith({str(folder) + '/'!r}) and "
        f"not n.startswith({folder.name + '.'!r}))\n"
        "print('SHADOWED', bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", timeout=120).stdout
    assert "SHADOWED []" in out, out[-2000:]


def test_ltr_never_imports_pytracking():
    modules = [".".join(p.relative_to(REPO).with_suffix("").parts) for p in _python_files("ltr")]
    modules = [m.removesuffix(".__init__") for m in modules]
    code = ("import importlib, sys\n"
            f"for m in {modules!r}:\n    importlib.import_module(m)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pytracking'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_console_entry_points_name_real_mains():
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert {"dctrack-train", "dctrack-track", "dctrack-analyze"} <= set(scripts)
    for name, target in scripts.items():
        module, func = target.split(":")
        assert callable(getattr(importlib.import_module(module), func)), name
