"""How an event is shown: one reply shape for commands, reminders and notices, and the reminders
built on it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.communities.models import Community
from core.events.models import Event
from core.events.service import cpd_command, when_local
from core.i18n import _, ngettext
from core.reply import Reply, link


def event_reply(
    event: Event, community: Community, zone: ZoneInfo, heading: str | None = None
) -> Reply:
    reply = Reply().heading(heading or event.title)
    fields = [
        (_("When"), when_local(event.starts_at, zone)),
        (_("Length"), ngettext("{n} minute", "{n} minutes", event.duration_minutes)),
        (_("Community"), community.name),
        (_("Event id"), str(event.id)),
    ]
    reply.fields(fields)
    if event.link:
        reply.text(link(event.link, event.link))
    return reply


def reminder_reply(
    event: Event, community: Community, zone: ZoneInfo, *, after: bool, hours: float
) -> Reply:
    """Before the event, a reminder (``hours`` before it: a day or more reads "Tomorrow") with a
    way to say no after all; after it (``after``), the offer to log it as CPD."""
    if after:
        reply = event_reply(event, community, zone, _("How was {title}?", title=event.title))
        reply.note(_("If you went, log it in your CPD record in one step."))
        return reply.action(_("Log as CPD"), cpd_command(event, zone), "primary")
    heading = (
        _("Tomorrow: {title}", title=event.title)
        if hours >= 24
        else _("Starting soon: {title}", title=event.title)
    )
    reply = event_reply(event, community, zone, heading)
    return reply.action(_("Not going now"), f"event rsvp {event.id} no")
