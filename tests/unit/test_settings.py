"""Settings: shared variables keep their global names; bad values name the variable."""

from __future__ import annotations

import pytest

from prefloop.feedback.settings import FeedbackSettings
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.settings import load_settings
from prefloop.trainer.settings import TrainerSettings


def test_shared_and_service_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFLOOP_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("PREFLOOP_API_KEYS", "a, b,,c")
    monkeypatch.setenv("PREFLOOP_FEEDBACK_PORT", "9100")
    settings = load_settings(FeedbackSettings)
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.api_keys == ["a", "b", "c"]
    assert settings.port == 9100


def test_nested_dpo_hyperparameters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFLOOP_TRAINER_DPO__BETA", "0.25")
    assert load_settings(TrainerSettings).dpo.beta == 0.25


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PREFLOOP_INFERENCE_PORT", "not-a-port"),
        ("PREFLOOP_INFERENCE_ENGINE", "tensorflow"),
        ("PREFLOOP_DATABASE_URL", "mysql://x"),
    ],
)
def test_invalid_settings_stop_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit) as stopped:
        load_settings(InferenceSettings)
    assert stopped.value.code == 2
    assert variable in capsys.readouterr().err


def test_dpo_config_refuses_alpha_below_rank(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PREFLOOP_TRAINER_DPO__LORA_R", "32")
    monkeypatch.setenv("PREFLOOP_TRAINER_DPO__LORA_ALPHA", "8")
    with pytest.raises(SystemExit):
        load_settings(TrainerSettings)
    err = capsys.readouterr().err
    assert "lora_alpha (8) below lora_r (32)" in err
