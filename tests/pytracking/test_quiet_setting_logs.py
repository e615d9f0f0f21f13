"""Loading a checkpoint does not repeat its train setting's messages (e.g. which datasets a run would train on)."""
from __future__ import annotations

import importlib
import logging

from tmtrack_plugin import write_checkpoint


def test_checkpoint_load_hides_the_settings_info(tmtrack, tmp_path, monkeypatch, caplog):
    from common.checkpoint import load_network
    from common.plugins import get_plugin, load_train_config

    get_plugin(tmtrack)  # puts the plugin on the import path
    setting = importlib.import_module("tmtrack.train_settings.s1")
    plain = setting.config

    def chatty():
        logging.getLogger("tmtrack.train_settings.s1").info("no real training dataset root is set: 'synthetic'")
        return plain()

    monkeypatch.setattr(setting, "config", chatty)
    path = write_checkpoint(tmp_path / "ck.pth", shift=1.0)
    caplog.set_level(logging.INFO)
    caplog.clear()
    network, _ = load_network(path, "cpu", plugin=tmtrack)
    assert float(network.shift.detach()) == 1.0
    assert not [r for r in caplog.records if "training dataset root" in r.getMessage()]
    load_train_config(tmtrack, "s1")  # training asks for the setting itself: the message is shown
    assert [r for r in caplog.records if "training dataset root" in r.getMessage()]
    assert logging.getLogger("tmtrack.train_settings").level == logging.NOTSET  # restored
