"""Model choices are text: a settings file holding another type never stops the app."""

from __future__ import annotations

import json

import pytest

from f1studio.appsettings import AppSettings, config_dir


@pytest.fixture(autouse=True)
def _own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("F1STUDIO_CONFIG_DIR", str(tmp_path / "config"))


@pytest.mark.parametrize(
    "data", [{"base": 5}, {"controlnets": {"edge": 1.5}}, {"depth_estimator": ["x"]}]
)
def test_a_model_that_is_not_text_gives_the_defaults(data: dict) -> None:
    config_dir().mkdir(parents=True)
    (config_dir() / "settings.json").write_text(json.dumps({**data, "device": "cpu"}))
    assert AppSettings.load() == AppSettings()
    with pytest.raises(ValueError, match="must be a model name or path"):
        AppSettings(**data)
