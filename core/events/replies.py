"""How an event is shown: one reply shape for commands, reminders and notices."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.communities.models import Community
from core.events.models import Event
from core.events.service import when_local
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
