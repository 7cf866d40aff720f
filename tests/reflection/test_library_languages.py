"""The prompt library speaks the member's language: questions, model names and stage titles come
from the catalogues, and a question is kept as it was sent, in the language it was sent in."""

from __future__ import annotations

from sqlmodel import Session, select

from core.app import Staffroom
from core.i18n import language
from core.reflection import library
from core.reflection.models import ReflectionPrompt
from tests.talk import say, text_of


def test_every_shipped_language_has_the_whole_library() -> None:
    english = library.models()
    for code in ("es", "fr", "cy"):
        with language(code):
            translated = library.models()
        for key, model in english.items():
            other = translated[key]
            assert other.name != model.name, (code, key)
            assert [p.key for p in other.prompts] == [p.key for p in model.prompts]
            changed = [
                p for p, q in zip(model.prompts, other.prompts, strict=True) if p.text != q.text
            ]
            assert changed == list(model.prompts), (code, key)


def test_a_spanish_member_is_asked_in_spanish(sqlite_app: Staffroom) -> None:
    assert say(sqlite_app, "settings language es").tone == "success"
    asked = say(sqlite_app, "reflect gibbs")
    with Session(sqlite_app.engine) as session:
        sent = session.exec(select(ReflectionPrompt)).one()
    with language("es"):
        spanish = library.prompt(sent.prompt_key)
        name = library.model("gibbs").name
    assert spanish is not None
    assert sent.text == spanish.text  # kept as sent, in Spanish
    assert spanish.text in text_of(asked) and name in text_of(asked)
    with language("en"):
        english = library.prompt(sent.prompt_key)
    assert english is not None and english.text not in text_of(asked)
    assert name in text_of(say(sqlite_app, "reflect models"))
