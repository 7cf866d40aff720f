"""The prompt library and the weekday grammar: no database needed."""

from __future__ import annotations

import pytest

from core.params import BadValue
from core.reflection import library
from core.reflection.schedules import describe_days, parse_weekdays


def test_every_model_has_its_stages_and_enough_questions() -> None:
    stages = {m.key: m.stages for m in library.models().values()}
    assert stages == {
        "driscoll": ("what", "so-what", "now-what"),
        "gibbs": (
            "description",
            "feelings",
            "evaluation",
            "analysis",
            "conclusion",
            "action-plan",
        ),
        "kolb": (
            "concrete-experience",
            "reflective-observation",
            "abstract-conceptualisation",
            "active-experimentation",
        ),
        "schon": ("in-action", "on-action"),
        "brookfield": ("autobiographical", "students", "colleagues", "theory"),
    }
    every = [p for m in library.models().values() for p in m.prompts]
    assert len(every) >= 40
    assert len({p.key for p in every}) == len(every)
    assert len({p.text for p in every}) == len(every)
    for model in library.models().values():
        for stage in model.stages:
            assert sum(p.stage == stage for p in model.prompts) >= 2, (model.key, stage)
    for found in every:
        assert found.text.endswith("?") or found.text.endswith("."), found.key
        assert 30 <= len(found.text) <= 300, found.key
        assert '"' not in found.text


def test_prompts_are_found_by_their_stored_key() -> None:
    first = library.model("gibbs").prompts[0]
    assert library.prompt(first.key) == first
    assert library.prompt("gibbs.description.99") is None
    assert library.prompt("nonsense.what.1") is None


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon,thu", [0, 3]),
        ("Monday, Thursday", [0, 3]),
        ("tues/thurs", [1, 3]),
        ("mon-fri", [0, 1, 2, 3, 4]),
        ("fri-mon", [0, 4, 5, 6]),
        ("weekdays", [0, 1, 2, 3, 4]),
        ("weekends", [5, 6]),
        ("daily", [0, 1, 2, 3, 4, 5, 6]),
        ("su", [6]),
        ("wed,wed", [2]),
    ],
)
def test_weekdays_in_the_forms_teachers_write(text: str, days: list[int]) -> None:
    assert parse_weekdays(text) == days


@pytest.mark.parametrize("text", ["", "t", "s", "funday", "mon-xyz", ",", "monthly"])
def test_weekdays_that_make_no_sense_are_refused(text: str) -> None:
    with pytest.raises(BadValue) as raised:
        parse_weekdays(text)
    assert raised.value.param == "weekdays"
    assert "mon,thu" in raised.value.message


def test_days_read_back_naturally() -> None:
    assert describe_days([0, 3]) == "Mon, Thu"
    assert describe_days([0, 1, 2, 3, 4]) == "weekdays"
    assert describe_days([5, 6]) == "weekends"
    assert describe_days(list(range(7))) == "every day"
