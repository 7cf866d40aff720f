"""The prompt library: reflective models, their stages and the questions for each stage.

The questions live in TOML files under ``core/reflection/prompts/`` (package data), one file per
model, so a school can read and improve them without touching code. A prompt's key is its model,
stage and position (``gibbs.feelings.2``); keys are stored with each prompt a member is sent, which
is why new questions are added at the end of a stage and never reordered.

The English texts are msgids: :func:`models` gives the library in the language replies are being
built in (``core/reflection/extract.py`` puts the texts in the catalogues).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from core.i18n import _, current_language
from core.i18n import language as in_language
from core.reflection.settings import MODEL_KEYS

MODELS = MODEL_KEYS
"""Model keys in the order they are offered to members."""


@dataclass(frozen=True, slots=True)
class Prompt:
    """One question, at one stage of one model."""

    key: str
    model: str
    stage: str
    stage_title: str
    stage_index: int
    text: str


@dataclass(frozen=True, slots=True)
class Model:
    """A reflective model: its name, a one-line summary and its prompts in stage order."""

    key: str
    name: str
    summary: str
    stages: tuple[str, ...]
    prompts: tuple[Prompt, ...]


def _load(key: str) -> Model:
    raw = tomllib.loads(
        resources.files("core.reflection").joinpath("prompts", f"{key}.toml").read_text("utf-8")
    )
    prompts: list[Prompt] = []
    stage_keys: list[str] = []
    for index, stage in enumerate(raw["stages"]):
        stage_keys.append(stage["key"])
        for n, text in enumerate(stage["prompts"], 1):
            prompts.append(
                Prompt(
                    key=f"{key}.{stage['key']}.{n}",
                    model=key,
                    stage=stage["key"],
                    stage_title=stage["title"],
                    stage_index=index,
                    text=" ".join(text.split()),
                )
            )
    if not prompts:
        raise ValueError(f"reflection model {key!r} has no prompts")
    return Model(key, raw["name"], raw["summary"], tuple(stage_keys), tuple(prompts))


@cache
def _source() -> dict[str, Model]:
    """Every model as written, in English (loaded once)."""
    return {key: _load(key) for key in MODELS}


@cache
def _translated(language: str) -> dict[str, Model]:
    """The library in one language (built once per language)."""
    with in_language(language):
        return {
            key: Model(
                m.key,
                _(m.name),
                _(m.summary),
                m.stages,
                tuple(replace(p, stage_title=_(p.stage_title), text=_(p.text)) for p in m.prompts),
            )
            for key, m in _source().items()
        }


def models() -> dict[str, Model]:
    """Every model in the library, by key, in the current language."""
    return _translated(current_language())


def model(key: str) -> Model:
    """One model by key; raises KeyError for an unknown key (commands offer only known ones)."""
    return models()[key]


def prompt(key: str) -> Prompt | None:
    """A prompt by its stored key, or None if the library no longer has it."""
    model_key = key.split(".", 1)[0]
    found = models().get(model_key)
    if found is None:
        return None
    return next((p for p in found.prompts if p.key == key), None)
