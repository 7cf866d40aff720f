"""Community events: create, RSVP, remind, export to calendars, and a digest section."""

from __future__ import annotations

from core.commands import N_
from core.delivery.kinds import DigestSection
from core.events import commands, schedules
from core.events.models import Event, Rsvp
from core.events.privacy import EVENT_DATA
from core.events.service import REMINDER_KIND
from core.feature import Feature

FEATURE = Feature(
    name="events",
    groups={
        "event": N_("Community events: teachmeets, webinars, book clubs. RSVP and remind."),
    },
    commands=(
        commands.event_create,
        commands.event_list,
        commands.event_rsvp,
        commands.event_edit,
        commands.event_export,
        commands.event_cancel,
    ),
    data=EVENT_DATA,
    kinds={REMINDER_KIND: schedules.produce_reminder},
    digest_sections=(DigestSection(N_("Coming up"), schedules.digest_events),),
    tables=(Event, Rsvp),
)
