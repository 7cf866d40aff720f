"""The identity feature: members and their platform accounts, profiles, settings and linking."""

from __future__ import annotations

from core.commands import N_
from core.feature import Feature
from core.identity import commands
from core.identity.models import Account, AuditEntry, LinkAttempt, LinkCode, Member
from core.identity.privacy import IDENTITY_DATA
from core.identity.service import shares_a_tenant

FEATURE = Feature(
    name="identity",
    groups={
        "profile": N_("Your profile: role, subjects, phases, timezone, languages."),
        "settings": N_("Your settings: timezone and language."),
        "link": N_("Link your accounts on different platforms into one Staffroom member."),
    },
    commands=(
        commands.profile_show,
        commands.profile_set,
        commands.settings_timezone,
        commands.settings_deliver_to,
        commands.settings_language,
        commands.link,
        commands.link_confirm,
        commands.link_cancel,
        commands.link_list,
        commands.link_remove,
    ),
    data=IDENTITY_DATA,
    acquainted=(shares_a_tenant,),
    tables=(Member, Account, LinkCode, LinkAttempt, AuditEntry),
)
