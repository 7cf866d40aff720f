"""What Staffroom posts to a community's channels is in the community's language (the install's
when it has none), while what goes to members directly stays in each member's own."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import Session, col, select

from core.app import Staffroom
from core.clock import FixedClock
from core.delivery import plan_due
from core.delivery.models import OutboxMessage
from core.reply import Reply
from tests.communities.support import member_id, ok, outbox, refused
from tests.talk import say, text_of


def _text(row: OutboxMessage) -> str:
    return text_of(Reply.model_validate(row.payload))


def _community(app: Staffroom) -> None:
    """Ana (English) owns maths, set to Spanish, with a channel; Fleur reads French."""
    ok(app, 'community create "Maths" "Maths teachers" approval=yes')
    ok(app, "settings language fr", user="fleur")
    ok(app, "community bind maths", channel="C-maths", direct=False)


def test_a_community_in_spanish_posts_in_spanish_and_members_keep_their_own(
    app: Staffroom, clock: FixedClock
) -> None:
    _community(app)
    assert "Posts in: English" in text_of(ok(app, "community info maths"))
    assert "Español" in text_of(ok(app, "community edit maths language=es-ES"))
    assert "Posts in: Español" in text_of(ok(app, "community info maths"))

    # Fleur asks to join: Ana is told in English, Fleur hears the answer in French.
    ok(app, "community join maths", user="fleur")
    [request] = outbox(app, "community.request:")
    assert "Join request: Maths" in _text(request)
    ok(app, f"community approve maths {member_id(app, 'fleur')}")
    [decision] = outbox(app, "community.decision:")
    assert "Bienvenue" in _text(decision)

    # The announcement goes to the channel in Spanish; Ana's own answers stay English.
    preview = ok(app, 'community announce maths "Teachmeet el jueves"')
    assert "Post this to 1 channel" in text_of(preview) and "Maths: anuncio" in text_of(preview)
    assert "posted to 1 channel" in text_of(ok(app, preview.actions[0].command))
    [post] = outbox(app, "community.announce:")
    assert post.channel_id == "C-maths" and "Maths: anuncio" in _text(post)

    # A new event's channel notice is Spanish too.
    ok(app, 'event create maths "Exit tickets" "2026-12-01 16:00"', user="fleur")
    [notice] = outbox(app, "event.created:")
    assert "Nuevo evento en Maths" in _text(notice)

    # The scheduled digest, planned with no member's language, is in Spanish.
    ok(app, "community digest maths monday 08:00")
    clock.advance(timedelta(days=7))
    with Session(app.engine) as session:
        assert plan_due(session, clock.now(), app.settings.delivery, app.producers) > 0
        session.commit()
        [digest] = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.kind) == "community.digest")
        ).all()
    shown = _text(digest)
    assert "Maths: tu semana" in shown and "Nuevos miembros" in shown and "Fleur" in shown
    assert digest.channel_id == "C-maths"
    # Members' own messages are untouched by the community's language.
    assert "community" in text_of(say(app, "help"))
    assert "Bienvenue" not in text_of(ok(app, "community info maths"))


def test_with_no_language_of_its_own_a_community_posts_in_the_installs(
    app: Staffroom, clock: FixedClock
) -> None:
    app.settings.staffroom.language = "es"
    app.producers = replace(app.producers, language="es")
    _community(app)
    ok(app, "settings language en")  # Ana herself reads English
    assert "Posts in: Español" in text_of(ok(app, "community info maths"))
    ok(app, 'community announce maths "Hola" confirm')
    [post] = outbox(app, "community.announce:")
    assert "Maths: anuncio" in _text(post)
    # Back to following the install, and a language Staffroom does not have is refused.
    assert "klingon" in refused(app, "community edit maths language=klingon")
    ok(app, "community edit maths language=fr")
    ok(app, "community edit maths language=default")
    ok(app, "community digest maths monday 08:00")
    ok(app, "community join maths", user="fleur")
    ok(app, f"community approve maths {member_id(app, 'fleur')}")
    clock.advance(timedelta(days=7))
    with Session(app.engine) as session:
        plan_due(session, clock.now(), app.settings.delivery, app.producers)
        session.commit()
        [digest] = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.kind) == "community.digest")
        ).all()
    assert "Maths: tu semana" in _text(digest)


def test_inquiries_and_lesson_studies_announce_themselves_in_the_communitys_language(
    app: Staffroom,
) -> None:
    _community(app)
    ok(app, "community edit maths language=es")
    ok(app, 'inquiry create "How do retrieval starters affect recall?" community=maths')
    [created] = outbox(app, "inquiry:")
    assert "Nueva indagación en Maths" in _text(created), _text(created)
    ok(app, 'observe study create maths focus="hinge questions" date="2026-12-20 10:00"')
    [study] = outbox(app, "observation.study:")
    assert "Estudio de clases en Maths" in _text(study), _text(study)
    # Ana typed both in English and reads her own answers in English.
    assert "Lesson studies" in text_of(ok(app, "observe study list"))
