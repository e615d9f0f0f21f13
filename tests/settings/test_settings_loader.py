"""Settings layering (defaults < file < env), sources, and the errors of malformed files and values."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from settings import Settings, SettingsError, load_settings, setting_names, settings_file
from settings.fields import REPO_ROOT, dataset_keys
from settings.template import render_template


def write_settings(text: str) -> Path:
    """Write the test's local settings file (the one conftest points DCTRACK_SETTINGS_FILE at)."""
    path = settings_file()
    path.write_text(text)
    return path


def test_defaults_without_file(monkeypatch):
    monkeypatch.delenv("DCTRACK_WORKSPACE_DIR")
    monkeypatch.delenv("DCTRACK_RESULTS_DIR")
    s = load_settings()
    assert not settings_file().exists()
    assert s.workspace_dir == REPO_ROOT / "workspace"
    assert s.results_dir == REPO_ROOT / "workspace" / "results"
    assert s.pretrained_dir == REPO_ROOT / "workspace" / "pretrained"
    assert all(getattr(s, key) is None for key in dataset_keys())
    assert (s.visdom_host, s.visdom_port) == ("127.0.0.1", 8097)
    assert {s.source(k) for k in setting_names()} == {"default"}


def test_conftest_isolates_workspace(isolated_settings):
    s = load_settings()
    assert s.workspace_dir == isolated_settings / "workspace"
    assert s.source("results_dir") == "env DCTRACK_RESULTS_DIR"


def test_file_layer_and_line_sources(tmp_path):
    path = write_settings('# my machine\n\notb_dir = "/data/otb"\nvisdom_port = 9000\nvisdom_host = "viz"\n')
    s = load_settings()
    assert s.otb_dir == Path("/data/otb")
    assert s.visdom_port == 9000 and s.visdom_host == "viz"
    assert s.source("otb_dir") == f"{path}:3"
    assert s.source("visdom_port") == f"{path}:4"
    assert s.source("lasot_dir") == "default" and s.lasot_dir is None


def test_env_overrides_file(monkeypatch):
    path = write_settings('otb_dir = "/data/otb"\nvisdom_port = 9000\n')
    monkeypatch.setenv("DCTRACK_VISDOM_PORT", "1234")
    monkeypatch.setenv("DCTRACK_LASOT_DIR", "/env/lasot")
    s = load_settings()
    assert s.visdom_port == 1234 and s.source("visdom_port") == "env DCTRACK_VISDOM_PORT"
    assert s.lasot_dir == Path("/env/lasot") and s.source("lasot_dir") == "env DCTRACK_LASOT_DIR"
    assert s.otb_dir == Path("/data/otb") and s.source("otb_dir") == f"{path}:1"


def test_not_cached_env_changes_are_seen(monkeypatch):
    assert load_settings().nfs_dir is None
    monkeypatch.setenv("DCTRACK_NFS_DIR", "/a")
    assert load_settings().nfs_dir == Path("/a")
    monkeypatch.setenv("DCTRACK_NFS_DIR", "/b")
    assert load_settings().nfs_dir == Path("/b")


def test_loading_is_cheap():
    write_settings('otb_dir = "/data/otb"\nvisdom_port = 9000\n')
    load_settings()
    start = time.perf_counter()
    for _ in range(100):
        load_settings()
    assert (time.perf_counter() - start) / 100 < 0.01  # well under 10 ms per call


def test_relative_paths_are_relative_to_the_file_and_tilde_expands(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = write_settings('otb_dir = "data/otb"\nvot_dir = "../vot"\nlasot_dir = "~/lasot"\n')
    s = load_settings()
    assert s.otb_dir == path.parent / "data" / "otb"
    assert s.vot_dir == path.parent.parent / "vot"
    assert s.lasot_dir == tmp_path / "home" / "lasot"


def test_empty_string_means_not_set(monkeypatch):
    write_settings('otb_dir = "/data/otb"\n')
    monkeypatch.setenv("DCTRACK_OTB_DIR", "")
    s = load_settings()
    assert s.otb_dir is None and s.source("otb_dir") == "env DCTRACK_OTB_DIR"


def test_malformed_toml_names_file_and_line():
    path = write_settings('otb_dir = "/data/otb"\n\nvisdom_port = 80 80\n')
    with pytest.raises(SettingsError) as err:
        load_settings()
    message = str(err.value)
    assert str(path) in message and "line 3" in message and "visdom_port" in message


def test_unterminated_value_names_file_and_line():
    path = write_settings('otb_dir = "/data/otb"\nvot_dir = "/data/vot\n')
    with pytest.raises(SettingsError, match="line 2") as err:
        load_settings()
    assert str(path) in str(err.value)


def test_unknown_key_names_file_line_key_and_close_matches():
    path = write_settings('otb_dir = "/data/otb"\n# comment\notb_dri = "/x"\n')
    with pytest.raises(SettingsError) as err:
        load_settings()
    message = str(err.value)
    assert str(path) in message and "line 3" in message and "'otb_dri'" in message
    assert "otb_dir" in message.split("did you mean")[1]


def test_unknown_table_names_its_header_line():
    write_settings('otb_dir = "/x"\n[datasets]\nlasot = "/y"\n')
    with pytest.raises(SettingsError, match=r"line 2: unknown key 'datasets'"):
        load_settings()


@pytest.mark.parametrize("text, key", [('visdom_port = "abc"\n', "visdom_port"), ("otb_dir = 3\n", "otb_dir"),
                                       ("visdom_port = true\n", "visdom_port"), ("visdom_port = 70000\n", "visdom_port"),
                                       ("workspace_dir = \"\"\n", "workspace_dir"), ("visdom_host = 1\n", "visdom_host")])
def test_wrong_type_in_file_names_key_and_source(text, key):
    path = write_settings(text)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith(f"{key}:") and f"{path}:1" in str(err.value)


def test_wrong_type_in_env_names_key_and_variable(monkeypatch):
    monkeypatch.setenv("DCTRACK_VISDOM_PORT", "abc")
    with pytest.raises(SettingsError, match=r"visdom_port: expected an integer, got 'abc' \(from env DCTRACK_VISDOM_PORT\)"):
        load_settings()


def test_non_utf8_file_is_a_settings_error():
    path = settings_file()
    path.write_bytes(b'otb_dir = "\xff\xfe"\n')
    with pytest.raises(SettingsError, match="not UTF-8"):
        load_settings()


def test_settings_file_env_names_the_file(monkeypatch, tmp_path):
    other = tmp_path / "elsewhere.toml"
    other.write_text('dsst_dir = "/dsst"\n')
    monkeypatch.setenv("DCTRACK_SETTINGS_FILE", str(other))
    assert settings_file() == other
    assert load_settings().dsst_dir == Path("/dsst")


def test_dataset_root_and_source_validate_names():
    write_settings('otb_dir = "/data/otb"\ngot10k_test_dir = "/g/test"\n')
    s = load_settings()
    assert s.dataset_root("otb") == Path("/data/otb")
    assert s.dataset_root("got10k_test") == Path("/g/test")
    assert s.dataset_root("lasot") is None
    with pytest.raises(SettingsError, match="no settings key for dataset 'otb100'.*otb"):
        s.dataset_root("otb100")
    with pytest.raises(SettingsError, match="did you mean visdom_port"):
        s.source("visdom_prot")


def test_template_lists_every_key_and_uncommented_gives_the_defaults(monkeypatch):
    monkeypatch.delenv("DCTRACK_WORKSPACE_DIR")
    monkeypatch.delenv("DCTRACK_RESULTS_DIR")
    text = render_template()
    lines = text.splitlines()
    for key in setting_names():
        index = next(i for i, line in enumerate(lines) if line.startswith(f"# {key} = "))
        assert lines[index - 1].startswith("# ") and len(lines[index - 1]) > 10  # its one-line explanation
    uncommented = "\n".join(line[2:] if " = " in line and line[2:].split(" = ")[0] in setting_names() else line
                            for line in lines)
    path = write_settings(uncommented)
    s = load_settings()
    assert s == Settings()
    assert all(s.source(k).startswith(f"{path}:") for k in setting_names())


def test_file_that_is_a_folder_is_a_settings_error():
    settings_file().mkdir()
    with pytest.raises(SettingsError, match="cannot read the settings file"):
        load_settings()



def test_misspelt_env_variable_is_warned_about_once(monkeypatch, caplog):
    monkeypatch.setenv("DCTRACK_OTB_DIRR", "/x")
    with caplog.at_level("WARNING", logger="settings.loader"):
        assert load_settings().otb_dir is None
        load_settings()
    warnings = [r.getMessage() for r in caplog.records if "DCTRACK_OTB_DIRR" in r.getMessage()]
    assert len(warnings) == 1 and "did you mean DCTRACK_OTB_DIR" in warnings[0]


def test_unknown_dotted_key_names_its_line():
    write_settings('otb_dir = "/x"\n\notb.dir = "/y"\n')
    with pytest.raises(SettingsError, match=r"line 3: unknown key 'otb'; did you mean otb_dir"):
        load_settings()
