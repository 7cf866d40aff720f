"""First contact on Discord: a newcomer is asked for their timezone.

Discord never says which timezone a person is in, and everyone starts on UTC, so a teacher's
09:00 prompt would come at the wrong hour. The first time someone reaches Staffroom through
Discord (a slash command, a button, a form or a DM), their reply is followed by a private
question: buttons with the zones likely for their Discord locale (the core's
:func:`~core.identity.service.likely_zones`, as on Telegram) and how to set any other one. A
button runs ``settings timezone ZONE`` as whoever presses it, so it can only ever set the
presser's own clock.

Someone whose first command already set a timezone is not asked, and neither is anyone whose
first request left no member behind (it was refused and rolled back): they are asked next time.
"""

from __future__ import annotations

from sqlmodel import Session

from core.i18n import _, language
from core.identity.service import language_of, likely_zones, timezone_of
from core.invocation import Invocation
from core.reply import Reply

UNSET_ZONE = "UTC"
"""The zone every member starts on (``Member.timezone``'s default)."""


def zone_label(zone: str) -> str:
    """A zone as a button says it: its city (``Europe/London`` -> ``London``)."""
    return zone.split("/")[-1].replace("_", " ")


def timezone_question(locale: str | None) -> Reply:
    """The private question, in the current language, with a button per likely zone."""
    reply = Reply.message(
        _(
            "Your clock is set to UTC for now, so reminders may come at the wrong hour. "
            "Choose your timezone, or send /settings timezone CITY."
        )
    )
    for zone in likely_zones(locale):
        reply.action(zone_label(zone), f"settings timezone {zone}")
    return reply


def question_for(session: Session, invocation: Invocation, default_language: str) -> Reply | None:
    """The timezone question for the person behind ``invocation`` after their first request,
    in their language; None when they set a zone already or no member was kept."""
    account = invocation.account_key
    if timezone_of(session, *account) != UNSET_ZONE:
        return None
    with language(language_of(session, *account) or default_language):
        return timezone_question(invocation.locale)
