"""Config dataclasses: ``--set`` overrides, errors naming the key, validation prefixes, diffs, JSON round trip."""
from __future__ import annotations

import dataclasses
import json
from typing import Literal, Optional

import pytest

from common.config import (ConfigError, apply_overrides, diff_configs, parse_value, require, to_dict, to_json,
                           update_from_dict, validate_config)


@dataclasses.dataclass
class Stage:
    name: str = "warmup"
    epochs: int = 1
    lr_mult: float = 1.0


@dataclasses.dataclass
class Augment:
    flip: bool = True
    jitter: float = 0.25

    def validate(self) -> None:
        require(0 <= self.jitter <= 1, f"jitter must be in [0, 1], got {self.jitter}")


@dataclasses.dataclass
class Optim:
    lr: float = 0.01
    epochs: int = 20
    milestones: list[int] = dataclasses.field(default_factory=lambda: [10, 15])
    schedule: Literal["cosine", "step"] = "cosine"
    augment: Augment = dataclasses.field(default_factory=Augment)

    def validate(self) -> None:
        require(self.lr > 0, "lr must be positive")


@dataclasses.dataclass
class Run:
    name: str = "run"
    seed: Optional[int] = None
    note: Optional[str] = None
    size: tuple[int, int] = (127, 255)
    extra: dict = dataclasses.field(default_factory=dict)
    stages: list[Stage] = dataclasses.field(default_factory=lambda: [Stage()])
    optim: Optim = dataclasses.field(default_factory=Optim)


def test_overrides_on_nested_sections():
    cfg = apply_overrides(Run(), ["optim.lr=1e-3", "optim.epochs=5", "optim.augment.flip=false",
                                  "optim.augment.jitter=0", "optim.milestones=[3, 4]", "name=my run",
                                  "optim.schedule=step", "size=(64, 128)", "extra={'a': 1}"])
    assert cfg.optim.lr == 0.001 and isinstance(cfg.optim.lr, float)
    assert cfg.optim.epochs == 5 and isinstance(cfg.optim.epochs, int)
    assert cfg.optim.augment.flip is False
    assert cfg.optim.augment.jitter == 0.0 and isinstance(cfg.optim.augment.jitter, float)
    assert cfg.optim.milestones == [3, 4]
    assert cfg.name == "my run" and cfg.optim.schedule == "step"
    assert cfg.size == (64, 128) and cfg.extra == {"a": 1}


@pytest.mark.parametrize("text, expected", [("true", True), ("yes", True), ("on", True), ("1", True),
                                            ("False", False), ("no", False), ("0", False)])
def test_bool_spellings(text, expected):
    assert apply_overrides(Run(), [f"optim.augment.flip={text}"]).optim.augment.flip is expected


def test_optional_fields():
    cfg = apply_overrides(Run(), ["seed=3", "note=hello"])
    assert cfg.seed == 3 and cfg.note == "hello"
    cfg = apply_overrides(cfg, ["seed=None", "note=null"])
    assert cfg.seed is None and cfg.note is None
    with pytest.raises(ConfigError, match="seed: expected an integer"):
        apply_overrides(Run(), ["seed=abc"])


def test_list_of_dataclasses_from_dicts():
    cfg = apply_overrides(Run(), ["stages=[{'name': 'a', 'epochs': 2}, {'lr_mult': 0.5}]"])
    assert cfg.stages == [Stage("a", 2, 1.0), Stage("warmup", 1, 0.5)]
    assert all(isinstance(s, Stage) for s in cfg.stages)
    with pytest.raises(ConfigError, match=r"unknown key 'stages\[0\]\.epoch'"):
        apply_overrides(Run(), ["stages=[{'epoch': 2}]"])
    with pytest.raises(ConfigError, match=r"stages\[1\]\.epochs: expected an integer"):
        apply_overrides(Run(), ["stages=[{}, {'epochs': 'x'}]"])


def test_section_from_a_dict_value():
    cfg = apply_overrides(Run(), ["optim.augment={'jitter': 0.5}"])
    assert cfg.optim.augment == Augment(flip=True, jitter=0.5)


def test_unknown_key_lists_known_keys():
    with pytest.raises(ConfigError) as err:
        apply_overrides(Run(), ["optim.lrr=0.1"])
    assert "unknown key 'optim.lrr'" in str(err.value) and "lr" in str(err.value)
    with pytest.raises(ConfigError) as err:
        apply_overrides(Run(), ["optim.zzz=0.1"])
    for name in ("lr", "epochs", "milestones", "schedule", "augment"):
        assert name in str(err.value)


@pytest.mark.parametrize("override, message", [
    ("optim.epochs=abc", "optim.epochs: expected an integer"),
    ("optim.epochs=2.5", "optim.epochs: expected an integer"),
    ("optim.lr=fast", "optim.lr: expected a number"),
    ("optim.lr=True", "optim.lr: expected a number"),
    ("optim.augment.flip=maybe", "optim.augment.flip: expected true or false"),
    ("optim.milestones=3", "optim.milestones: expected a list"),
    ("optim.milestones=[1, 'x']", r"optim.milestones\[1\]: expected an integer"),
    ("optim.schedule=linear", "optim.schedule: 'linear' is not one of"),
    ("size=(1, 2, 3)", "size: expected 2 values"),
    ("name=3", "name: expected a string"),
    ("optim=3", "optim: expected a section"),
    ("optim.lr.x=3", "'optim.lr' is not a section"),
    ("optim.lr", "--set expects key=value"),
    ("=3", "--set expects key=value"),
])
def test_bad_values_name_the_key(override, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides(Run(), [override])


def test_integral_float_becomes_int():
    assert apply_overrides(Run(), ["optim.epochs=4.0"]).optim.epochs == 4


def test_parse_value():
    assert parse_value(" 3 ") == 3 and parse_value("1e-3") == 0.001
    assert parse_value("[1, 2]") == [1, 2] and parse_value("{'a': 1}") == {"a": 1}
    assert parse_value("none") is None and parse_value("TRUE") is True
    assert parse_value("some/path.pth") == "some/path.pth"
    assert parse_value("a=b") == "a=b"


def test_value_may_contain_equals_sign():
    assert apply_overrides(Run(), ["name=a=b"]).name == "a=b"


def test_validate_config_prefixes_the_section_key():
    validate_config(Run())
    cfg = Run()
    cfg.optim.lr = -1.0
    with pytest.raises(ConfigError, match=r"^optim\.lr must be positive$"):
        validate_config(cfg)
    cfg = Run()
    cfg.optim.augment.jitter = 2.0
    with pytest.raises(ConfigError, match=r"^optim\.augment\.jitter must be in \[0, 1\], got 2.0$"):
        validate_config(cfg)


def test_diff_configs():
    a, b = Run(), apply_overrides(Run(), ["optim.lr=0.1", "optim.augment.flip=false", "stages=[]"])
    assert diff_configs(a, b) == ["optim.augment.flip: True -> False", "optim.lr: 0.01 -> 0.1",
                                  "stages: [{'name': 'warmup', 'epochs': 1, 'lr_mult': 1.0}] -> []"]
    assert diff_configs(a, Run()) == []
    assert diff_configs(to_dict(a), {**to_dict(a), "new": 1}) == ["new: '<missing>' -> 1"]


def test_json_round_trip():
    cfg = apply_overrides(Run(), ["seed=7", "size=(31, 63)", "stages=[{'name': 'x', 'epochs': 3}]",
                                  "optim.milestones=[1]", "extra={'k': [1, 2]}", "optim.augment.jitter=0.5"])
    data = json.loads(to_json(cfg))
    assert data["size"] == [31, 63]  # tuples become lists in JSON
    restored = update_from_dict(Run(), data)
    assert restored == cfg
    assert isinstance(restored.size, tuple) and isinstance(restored.stages[0], Stage)
    assert diff_configs(cfg, restored) == []


def test_update_from_dict_strictness():
    with pytest.raises(ConfigError, match=r"unknown key 'optim\.gone'"):
        update_from_dict(Run(), {"optim": {"gone": 1}})
    cfg = update_from_dict(Run(), {"optim": {"gone": 1, "lr": 0.5}}, strict=False)
    assert cfg.optim.lr == 0.5


def test_update_from_dict_errors_name_the_full_key():
    with pytest.raises(ConfigError, match=r"^optim\.lr: expected a number, got 'x'$"):
        update_from_dict(Run(), {"optim": {"lr": "x"}})
    with pytest.raises(ConfigError, match=r"^optim\.augment\.flip: expected true or false"):
        update_from_dict(Run(), {"optim": {"augment": {"flip": "maybe"}}})
