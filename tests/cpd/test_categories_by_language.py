"""CPD categories in the member's language: shown by their name in it (list, summary, the PDF
portfolio, suggestions), typed in it (any case, accents or none), stored as the English word that
reports, CSV cells and command lines keep; and CSV headers in the member's language.

The words expected below are the shipped catalogues'."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pypdf import PdfReader

from core.app import Staffroom
from core.clock import FixedClock
from core.cpd import commands as cpd_commands
from core.cpd.exports import CSV_COLUMNS
from core.cpd.replies import category_label
from core.cpd.settings import DEFAULT_CATEGORIES
from core.i18n import _, language
from core.suggestions import Typed
from tests.conftest import make_settings
from tests.cpd.helpers import activities, goals, member_id
from tests.talk import say, text_of

SPANISH = {
    "course": "curso",
    "conference": "congreso",
    "workshop": "taller",
    "reading": "lectura",
    "online learning": "formación en línea",
    "peer observation": "observación entre iguales",
    "coaching/mentoring": "coaching/mentoría",
    "action research": "investigación-acción",
    "collaborative enquiry": "indagación colaborativa",
    "lesson study": "estudio de clases",
    "presenting": "ponencia",
    "id": "id",
    "date": "fecha",
    "hours": "horas",
    "category": "categoría",
    "title": "título",
    "provider": "impartido_por",
    "evidence_url": "url_evidencia",
    "standards": "estándares",
    "notes": "notas",
    "reflection": "reflexión",
    "logged_at": "registrado_el",
}
FRENCH = {"reading": "lecture", "course": "cours", "workshop": "atelier"}
ROOT = Path(__file__).parents[2]


def cpd(app: Staffroom, line: str, user: str = "ana") -> str:
    reply = say(app, line, user=user)
    assert reply.tone != "error", text_of(reply)
    return text_of(reply)


def refused(app: Staffroom, line: str, user: str = "ana") -> str:
    reply = say(app, line, user=user)
    assert reply.tone == "error", text_of(reply)
    return text_of(reply)


def export(app: Staffroom, what: str, user: str = "ana") -> bytes:
    [file] = say(app, f"cpd export {what}", user=user).attachments
    return file.data


def test_a_shipped_category_is_named_by_the_catalogue_an_own_one_as_configured() -> None:
    for code in ("es", "fr", "cy"):
        with language(code):
            for category in DEFAULT_CATEGORIES:
                assert category_label(category) == _(category)
            assert category_label("Forest School") == "Forest School"
    with language("en"):
        assert [category_label(c) for c in DEFAULT_CATEGORIES] == DEFAULT_CATEGORIES


def test_a_spanish_member_logs_in_spanish_and_the_record_keeps_the_english_word(
    app: Staffroom,
) -> None:
    cpd(app, "settings language es")
    logged = cpd(app, 'cpd log 1.5 "Rosenshine" category=LECTURA')
    assert "lectura" in logged and "reading" not in logged
    cpd(app, 'cpd log 2 "Ciclo de mejora" category=investigacion-accion')
    cpd(app, 'cpd log 1 "Clase de Marta" category=Observación')  # a unique start
    cpd(app, 'cpd log 1 "Curso de fonética" category=course')  # what a button's line says
    assert [a.category for a in activities(app)] == [
        "reading",
        "action research",
        "peer observation",
        "course",
    ]
    cpd(app, f"cpd edit {activities(app)[0].id} category=taller")
    assert activities(app)[0].category == "workshop"
    cpd(app, 'cpd goal add "Diez horas de lectura" hours=10 category=lectura')
    assert goals(app)[0].category == "reading"
    assert "lectura" in cpd(app, "cpd goal list")


def test_a_spanish_member_reads_spanish_names_in_list_and_summary(app: Staffroom) -> None:
    cpd(app, "settings language es")
    cpd(app, 'cpd log 1.5 "Rosenshine" category=lectura')
    cpd(app, 'cpd log 2 "Ciclo de mejora" category="investigación-acción"')
    listed = cpd(app, "cpd list")
    assert " · lectura · " in listed and " · investigación-acción · " in listed
    summary = cpd(app, "cpd summary")
    assert "• investigación-acción: 2 h" in summary and "• lectura: 1,5 h" in summary
    assert "reading" not in summary and "action research" not in summary
    unfiled = cpd(app, 'cpd log 1 "Sin categoría"')
    assert "curso" in unfiled and activities(app)[-1].category == "course"


def test_an_english_member_keeps_the_english_names(app: Staffroom) -> None:
    cpd(app, 'cpd log 1.5 "Rosenshine" category=reading')
    assert "• reading: 1.5 h" in cpd(app, "cpd summary")
    assert " · reading · " in cpd(app, "cpd list")
    error = refused(app, 'cpd log 1 "Otra" category=lectura')
    assert "Choose one of: course, conference, workshop, reading" in error


def test_an_unknown_category_is_refused_with_the_names_in_the_members_language(
    app: Staffroom,
) -> None:
    cpd(app, "settings language es")
    error = refused(app, 'cpd log 1 "Punto" category=ganchillo')
    assert "curso, congreso, taller, lectura, formación en línea" in error
    assert "reading" not in error
    assert activities(app) == []


def test_a_category_the_organisation_configured_is_shown_and_typed_as_configured(
    sqlite_url: str, clock: FixedClock
) -> None:
    settings = make_settings(sqlite_url, cpd={"categories": ["Forest School", "reading"]})
    app = Staffroom(settings, clock=clock)
    try:
        cpd(app, "settings language es")
        cpd(app, 'cpd log 1 "En el bosque" category="forest school"')
        cpd(app, 'cpd log 1 "Rosenshine" category=lectura')
        assert [a.category for a in activities(app)] == ["Forest School", "reading"]
        summary = cpd(app, "cpd summary")
        assert "• Forest School: 1 h" in summary and "• lectura: 1 h" in summary
        assert "Forest School, lectura" in refused(app, 'cpd log 1 "X" category=curso')
    finally:
        app.engine.dispose()


def test_suggestions_name_categories_in_the_members_language_with_the_stored_value(
    app: Staffroom,
) -> None:
    cpd(app, "settings language es")
    cpd(app, "profile set role=teacher", user="bo")
    command = cpd_commands.cpd_log
    param = next(p for p in command.params if p.name == "category")

    def offered(user: str, text: str) -> list[tuple[str, str | int]]:
        with app.session() as session:
            typed = Typed(app.settings, member_id(app, user), command, param, text)
            return app.suggest(session, typed)

    assert offered("ana", "lect") == [("lectura", "reading")]
    assert offered("ana", "read") == [("lectura", "reading")]  # the stored name finds it too
    assert offered("ana", "investigacion") == [("investigación-acción", "action research")]
    assert offered("bo", "read") == [("reading", "reading")]
    assert offered("bo", "lect") == []


def test_a_spanish_members_csv_has_spanish_headers_and_the_same_cells(app: Staffroom) -> None:
    cpd(app, 'cpd log 1.5 "Rosenshine" category=reading date=2026-11-02 standards=TS4')
    english = export(app, "all csv").decode("utf-8-sig")
    cpd(app, "settings language es")
    spanish = export(app, "all csv").decode("utf-8-sig")

    english_rows = list(csv.reader(io.StringIO(english)))
    spanish_rows = list(csv.reader(io.StringIO(spanish)))
    assert english_rows[0] == list(CSV_COLUMNS)
    assert spanish_rows[0] == [SPANISH[c] for c in CSV_COLUMNS]
    assert spanish_rows[1:] == english_rows[1:] and len(spanish_rows) == 2
    cells = dict(zip(CSV_COLUMNS, spanish_rows[1], strict=True))
    assert (cells["date"], cells["hours"], cells["category"]) == ("2026-11-02", "1.5", "reading")


def test_the_portfolio_names_categories_in_the_members_language(sqlite_app: Staffroom) -> None:
    cpd(sqlite_app, "settings language fr")
    cpd(sqlite_app, 'cpd log 1.5 "Rosenshine" category=lecture date=2026-11-02')
    cpd(sqlite_app, 'cpd goal add "Dix heures" hours=10 category=atelier')
    pdf = export(sqlite_app, "all pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "lecture" in text and "atelier" in text
    assert "reading" not in text and "workshop" not in text
    assert [a.category for a in activities(sqlite_app)] == ["reading"]

    cpd(sqlite_app, "settings language en")
    english = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(export(sqlite_app, "all pdf"))).pages
    )
    assert "reading" in english and "lecture" not in english
