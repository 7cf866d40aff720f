"""The observation feature's schedule kind: reminders before the lesson, and the observer's
nudge to write their notes after it, each in the reader's language and on their clock."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.delivery.kinds import Occurrence, Outgoing
from core.i18n import _, language
from core.identity.models import Member
from core.observation.models import Observation, ObservationStatus
from core.observation.service import name_of, summary_reply


def produce_reminder(occ: Occurrence) -> list[Outgoing]:
    """Before: a message to both. After (``notes`` in the payload): to the observer alone, with
    the button that starts the notes. Nothing for an observation no longer planned."""
    session, schedule, at = occ.session, occ.schedule, occ.at
    found = session.get(Observation, schedule.subject_id) if schedule.subject_id else None
    if found is None or found.id is None or found.status != ObservationStatus.ACCEPTED:
        return []
    if found.at is None or found.observer_id is None:
        return []
    after = bool(schedule.payload.get("notes"))
    if not after and found.at <= at:
        return []
    people = [found.observer_id] if after else [found.observed_id, found.observer_id]
    out = []
    for member_id in people:
        member = session.get(Member, member_id)
        other = found.observed_id if member_id == found.observer_id else found.observer_id
        with language(member.language if member else None):
            zone = ZoneInfo(member.timezone if member else "UTC")
            if after:
                heading = _("How did {name}'s lesson go?", name=name_of(session, found.observed_id))
            elif member_id == found.observer_id:
                heading = _("Coming up: you observe {name}'s lesson", name=name_of(session, other))
            else:
                heading = _("Coming up: {name} observes your lesson", name=name_of(session, other))
            reply = summary_reply(found, zone, heading)
            if after:
                reply.note(
                    _(
                        "Write your notes while it is fresh: what went well, the evidence, one "
                        "question and one next step. They go to {name} alone.",
                        name=name_of(session, found.observed_id),
                    )
                )
                reply.action(_("Write my notes"), f"observe notes {found.id}", "primary")
            else:
                reply.action(_("See it"), f"observe show {found.id}")
        out.append(
            Outgoing(
                reply=reply,
                member_id=member_id,
                suffix=f"member-{member_id}",
                about=(other,) if other is not None else (),
            )
        )
    return out
