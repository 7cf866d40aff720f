"""Features as values: an app is built from a tuple of them, and nothing registers on import."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from datetime import date
from typing import Annotated, Any

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table
from sqlmodel import Session, SQLModel, select

import core
from core.app import Staffroom, build_registry
from core.commands import N_, Arg, Command, command, params_of
from core.context import Context
from core.delivery.kinds import Occurrence, Outgoing
from core.delivery.models import Schedule
from core.feature import Feature
from core.features import FEATURES, TABLES
from core.identity.models import Account
from core.params import Kind
from core.reply import Reply
from core.suggestions import SuggestionSource, Typed
from tests.conftest import make_settings
from tests.talk import say


def _core_modules() -> list[Any]:
    names = [m.name for m in pkgutil.walk_packages(core.__path__, "core.")]
    return [importlib.import_module(name) for name in names]


def test_every_declared_command_is_in_exactly_one_feature() -> None:
    declared = {
        id(value): f"{module.__name__}.{name}"
        for module in _core_modules()
        for name, value in vars(module).items()
        if isinstance(value, Command)
        and getattr(value.handler, "__module__", "") == module.__name__
    }
    listed = [id(c) for feature in FEATURES for c in feature.commands]
    assert len(listed) == len(set(listed))
    assert sorted(declared[i] for i in set(declared) - set(listed)) == []
    assert set(listed) <= set(declared)


def test_every_table_belongs_to_exactly_one_feature() -> None:
    names = [t.__tablename__ for t in TABLES]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(SQLModel.metadata.tables)


def test_every_feature_with_member_tables_has_a_participant() -> None:
    app_participants = {f.name for f in FEATURES if f.data is not None}
    for feature in FEATURES:
        for table in feature.tables:
            keys = {fk.target_fullname for fk in table.__table__.foreign_keys}  # type: ignore[attr-defined]
            if "member.id" in keys:
                assert feature.name in app_participants, table


# A feature of the test's own: a command, a schedule kind, a privacy participant and a
# suggestion source, none of which exists outside the app built with it.

NOTES_KIND = "test.notes"
exported: list[int] = []


@command("notes add", help=N_("Add a note."), examples=["notes add 3 apples"])
def notes_add(
    ctx: Context,
    *,
    count: Annotated[int, Arg(N_("how many"), min_value=1)],
    words: Annotated[list[str], Arg(N_("what"))],
    when: Annotated[date | None, Arg(N_("which day"), positional=False)] = None,
) -> Reply:
    shown = when.isoformat() if when else "today"
    return Reply.success(f"{count} × {' '.join(words)} on {shown}")


def _notes_producer(occurrence: Occurrence) -> list[Outgoing]:
    assert occurrence.schedule.member_id is not None
    return [Outgoing(Reply.message("note time"), member_id=occurrence.schedule.member_id)]


class _NotesData:
    name = "notes"

    def export(self, session: Session, member_id: int) -> Any:
        exported.append(member_id)
        return {
            "accounts": len(
                session.exec(select(Account).where(Account.member_id == member_id)).all()
            )
        }

    def delete(self, session: Session, member_id: int) -> None: ...

    def merge(self, session: Session, source_id: int, target_id: int) -> None: ...


NOTES = Feature(
    name="notes",
    groups={"notes": N_("Test notes.")},
    commands=(notes_add,),
    data=_NotesData(),
    kinds={NOTES_KIND: _notes_producer},
    suggestions=(
        SuggestionSource(
            "words", lambda c, p: c.group == "notes", lambda s, t: [("apples", "apples")]
        ),
    ),
)


def test_a_feature_contributes_only_to_the_app_built_with_it(app: Staffroom) -> None:
    extended = Staffroom(
        app.settings, features=(*FEATURES, NOTES), engine=app.engine, clock=app.clock
    )

    reply = say(extended, "notes add 3 green apples when=2026-11-20")
    assert reply.tone == "success" and reply.plain_text() == "3 × green apples on 2026-11-20"
    assert "Test notes." in say(extended, "help").plain_text()
    assert "notes add <count> <words...> [when=...]" in say(extended, "help notes add").plain_text()
    assert say(extended, "notes add 0 apples").tone == "error"  # min_value from the signature

    # The plain app has none of it: no command, no help, no kind, no participant, no source.
    assert "I don't know the command" in say(app, "notes add 3 apples").plain_text()
    assert "Test notes." not in say(app, "help").plain_text()
    assert NOTES_KIND not in app.producers.kinds
    assert extended.producers.kinds[NOTES_KIND] is _notes_producer
    assert "notes" not in {p.name for p in app.privacy.participants}
    assert [p.name for p in extended.privacy.participants][-1] == "notes"
    param = notes_add.params[1]
    with extended.session() as session:
        typed = Typed(extended.settings, None, notes_add, param, "")
        assert extended.suggest(session, typed) == [("apples", "apples")]
        assert app.suggest(session, typed) == []

    exported.clear()
    say(extended, "privacy export")
    assert len(exported) == 1
    say(app, "privacy export")
    assert len(exported) == 1


def test_the_planner_runs_the_apps_own_kinds(app: Staffroom) -> None:
    from core.delivery import create_schedule, plan_due

    extended = Staffroom(
        app.settings, features=(*FEATURES, NOTES), engine=app.engine, clock=app.clock
    )
    say(app, "profile show")
    now = app.clock.now()
    with app.session() as session:
        member_id = session.exec(select(Account.member_id)).one()
        create_schedule(
            session,
            kind=NOTES_KIND,
            now=now,
            recurrence={"type": "once", "at": now.isoformat()},
            timezone="UTC",
            member_id=member_id,
        )
    with app.session() as session:
        assert plan_due(session, now, app.settings.delivery, extended.producers) == 1
    with app.session() as session:
        # The same schedule on an app without the feature: paused with the reason, not dropped.
        schedule = create_schedule(
            session,
            kind=NOTES_KIND,
            now=now,
            recurrence={"type": "once", "at": now.isoformat()},
            timezone="UTC",
            member_id=member_id,
        )
        assert plan_due(session, now, app.settings.delivery, app.producers) == 0
        found = session.get(Schedule, schedule.id)
        assert found is not None and "unknown schedule kind" in (found.paused_reason or "")


def _feature(name: str, **parts: Any) -> Feature:
    return Feature(name=name, **parts)


def test_conflicts_are_refused_naming_both_features(tmp_path: Any) -> None:
    settings = make_settings(f"sqlite:///{tmp_path}/x.db")

    twin = _feature("twin", groups={"extra": "x"}, commands=(notes_add,))
    with pytest.raises(ValueError, match="'notes add' is claimed by notes and twin"):
        build_registry([NOTES, twin])
    with pytest.raises(ValueError, match="group 'notes' is claimed by notes and again"):
        build_registry([NOTES, _feature("again", groups={"notes": "x"})])
    with pytest.raises(ValueError, match="group 'notes', which no feature declares"):
        build_registry([_feature("orphan", commands=(notes_add,))])
    with pytest.raises(ValueError, match=r"kind 'test\.notes' is claimed by notes and copy"):
        Staffroom(settings, features=(*FEATURES, NOTES, _feature("copy", kinds=NOTES.kinds)))
    with pytest.raises(ValueError, match="participant 'notes' registered twice"):
        Staffroom(settings, features=(*FEATURES, NOTES, _feature("copy", data=_NotesData())))


class _Orphan:
    """A table holding member ids (on its own metadata, so no test database gets it)."""

    __table__ = Table(
        "orphan_notes",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("member_id", Integer, ForeignKey("member.id")),
    )


def test_member_data_without_a_participant_stops_the_app(tmp_path: Any) -> None:
    settings = make_settings(f"sqlite:///{tmp_path}/x.db")
    careless = _feature("careless", tables=(_Orphan,))
    with pytest.raises(ValueError, match="'orphan_notes' holds member data"):
        Staffroom(settings, features=(*FEATURES, careless))


def test_the_signature_is_the_declaration() -> None:
    by_name = {p.name: p for p in notes_add.params}
    assert [p.name for p in notes_add.params] == ["count", "words", "when"]
    assert (by_name["count"].kind, by_name["count"].required, by_name["count"].min_value) == (
        Kind.INT,
        True,
        1,
    )
    assert by_name["words"].many and by_name["words"].required
    assert by_name["when"].kind is Kind.DATE and not by_name["when"].required
    assert not by_name["when"].positional
    # Every real command: the usage names the handler's own parameters, in order.
    for feature in FEATURES:
        for declared in feature.commands:
            names = list(inspect.signature(declared.handler).parameters)[1:]
            assert [p.name for p in declared.params] == names, declared.name


def test_declarations_that_do_not_make_sense_are_refused() -> None:
    def no_arg(ctx: Context, *, n: int) -> Reply: ...

    def wrong_kind(ctx: Context, *, n: Annotated[str, Arg(kind=Kind.HOURS)]) -> Reply: ...

    def many_first(
        ctx: Context, *, a: Annotated[list[str], Arg()], b: Annotated[str, Arg()]
    ) -> Reply: ...

    with pytest.raises(TypeError, match="'n' needs Annotated"):
        params_of(no_arg)
    with pytest.raises(TypeError, match="'n' is hours, which holds float, not str"):
        params_of(wrong_kind)
    with pytest.raises(TypeError, match="must be the last positional"):
        params_of(many_first)


def test_the_core_imports_no_platform_sdk_and_registers_nothing_on_import() -> None:
    code = (
        "import sys, core.features, core.app, core.models\n"
        "bad = [m for m in ('discord', 'telegram', 'slack_bolt', 'slack_sdk') if m in sys.modules]\n"
        "import core.commands as c\n"
        "print(bad, hasattr(c, 'REGISTRY'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] False"


def test_two_apps_on_one_database_share_no_state(app: Staffroom) -> None:
    other = Staffroom(app.settings, engine=app.engine, clock=app.clock)
    assert other.registry is not app.registry and other.privacy is not app.privacy
    assert other.registry.commands == app.registry.commands
