"""Commands for profiles, settings and linking accounts."""

from __future__ import annotations

from core.commands import N_, REGISTRY, Param
from core.context import Context
from core.errors import UserError
from core.i18n import _, available_languages, set_language
from core.identity.models import Member
from core.identity.service import (
    LINK_CODE_TTL,
    accounts_of,
    create_link_code,
    find_member,
    redeem_link_code,
)
from core.params import BadValue, Kind
from core.reply import Reply, bold
from core.signals import timezone_changed

ROLES = (
    "teacher",
    "trainee",
    "early-career",
    "teaching-assistant",
    "middle-leader",
    "senior-leader",
    "headteacher",
    "cpd-lead",
    "mentor",
    "other",
)
PHASES = ("early-years", "primary", "secondary", "further", "higher", "all-through")

REGISTRY.group("profile", N_("Your profile: role, subjects, phases, timezone, languages."))
REGISTRY.group("settings", N_("Your settings: timezone and language."))
REGISTRY.group("link", N_("Link your accounts on different platforms into one Staffroom member."))


def _list(value: str | None) -> list[str]:
    if not value:
        return []
    return list(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))


def profile_reply(member: Member, *, own: bool, title: str | None = None) -> Reply:
    reply = Reply().heading(title or member.display_name)
    fields = [
        (_("Role"), member.role or "—"),
        (_("Subjects"), ", ".join(member.subjects) or "—"),
        (_("Phases"), ", ".join(member.phases) or "—"),
        (_("Timezone"), member.timezone),
        (_("Languages"), ", ".join(member.languages) or "—"),
    ]
    if own:
        fields.append((_("School"), member.school or "—"))
        if member.years_experience is not None:
            fields.append((_("Years teaching"), str(member.years_experience)))
    reply.fields(fields)
    if member.bio:
        reply.text(member.bio)
    if own:
        reply.note(
            _(
                "Change it with: profile set role=teacher subjects=maths,physics "
                "timezone=Europe/London"
            )
        )
    return reply


@REGISTRY.command(
    "profile show",
    help=N_("Show your profile, or another member's."),
    params=[Param("member", Kind.MEMBER, N_("a member: #id, @mention or name"))],
    examples=["profile show", "profile show #12"],
)
def profile_show(ctx: Context, member: str | None) -> Reply:
    if member is None:
        return profile_reply(ctx.member, own=True)
    other = find_member(ctx.session, member, ctx.invocation.platform, ctx.invocation.tenant)
    return profile_reply(other, own=other.id == ctx.member.id)


@REGISTRY.command(
    "profile set",
    help=N_("Change your profile. Lists are comma-separated."),
    params=[
        Param("name", help=N_("your name as others see it"), positional=False, max_length=100),
        Param("role", Kind.CHOICE, N_("what you do"), choices=ROLES, positional=False),
        Param(
            "subjects",
            help=N_("subjects you teach, comma-separated"),
            positional=False,
            max_length=300,
        ),
        Param("phases", help=N_("phases: " + ", ".join(PHASES)), positional=False, max_length=200),
        Param("timezone", Kind.TIMEZONE, N_("like Europe/London"), positional=False),
        Param(
            "languages",
            help=N_("languages you speak, comma-separated"),
            positional=False,
            max_length=200,
        ),
        Param(
            "bio", Kind.LONG_TEXT, N_("a few words about you"), positional=False, max_length=1000
        ),
        Param("school", help=N_("your school or organisation"), positional=False, max_length=120),
        Param(
            "experience",
            Kind.INT,
            N_("years teaching"),
            positional=False,
            min_value=0,
            max_value=70,
        ),
    ],
    form=True,
    examples=["profile set role=teacher subjects=maths phases=secondary timezone=Europe/London"],
)
def profile_set(
    ctx: Context,
    name: str | None,
    role: str | None,
    subjects: str | None,
    phases: str | None,
    timezone: str | None,
    languages: str | None,
    bio: str | None,
    school: str | None,
    experience: int | None,
) -> Reply:
    member = ctx.member
    if all(
        v is None
        for v in (name, role, subjects, phases, timezone, languages, bio, school, experience)
    ):
        raise UserError(
            _("Say what to change, like profile set role=teacher subjects=maths."), show_usage=True
        )
    if phases is not None:
        chosen = _list(phases)
        unknown = [p for p in chosen if p not in PHASES]
        if unknown:
            raise BadValue(
                _(
                    "Unknown phase {phase}. Phases: {known}.",
                    phase=unknown[0],
                    known=", ".join(PHASES),
                ),
                "phases",
            )
        member.phases = chosen
    if name is not None:
        member.display_name = name.strip()
    if role is not None:
        member.role = role
    if subjects is not None:
        member.subjects = _list(subjects)
    if languages is not None:
        member.languages = _list(languages)
    if bio is not None:
        member.bio = bio.strip()
    if school is not None:
        member.school = school.strip() or None
    if experience is not None:
        member.years_experience = experience
    zone_changed = timezone is not None and timezone != member.timezone
    if timezone is not None:
        member.timezone = timezone
    ctx.session.add(member)
    ctx.session.flush()
    if zone_changed:
        timezone_changed.send(ctx.session, ctx.member_id)
    reply = profile_reply(member, own=True, title=_("Profile updated"))
    reply.tone = "success"
    return reply


@REGISTRY.command(
    "settings timezone",
    help=N_("Set your timezone, so prompts and reminders arrive at your local time."),
    params=[Param("zone", Kind.TIMEZONE, N_("like Europe/London"), required=True)],
    examples=["settings timezone America/New_York"],
)
def settings_timezone(ctx: Context, zone: str) -> Reply:
    changed = zone != ctx.member.timezone
    ctx.member.timezone = zone
    ctx.session.add(ctx.member)
    ctx.session.flush()
    if changed:
        timezone_changed.send(ctx.session, ctx.member_id)
    local = ctx.now.astimezone(ctx.zone).strftime("%H:%M")
    return Reply.success(
        _("Your timezone is now "), bold(zone), _(" (it is {time} there).", time=local)
    )


@REGISTRY.command(
    "link",
    help=N_("Link accounts: link gives a code; link CODE on your other account joins them."),
    params=[Param("code", help=N_("the code from your other account"), max_length=20)],
    examples=["link", "link K7P4XM2Q"],
)
def link(ctx: Context, code: str | None) -> Reply:
    if code is None:
        made = create_link_code(ctx.session, ctx.member_id, ctx.now)
        minutes = int(LINK_CODE_TTL.total_seconds() // 60)
        return (
            Reply()
            .heading(_("Link another account"))
            .text(
                _("On your other platform, send "),
                bold(f"link {made}"),
                _(" within {minutes} minutes. The code works once.", minutes=minutes),
            )
            .note(_("Everything from that account joins this one: CPD, journal, communities."))
        )
    target = redeem_link_code(ctx.session, ctx.member, code, ctx.now)
    ctx.member = target
    platforms = sorted({a.platform for a in accounts_of(ctx.session, ctx.member_id)})
    return Reply.success(_("Linked. You are one member on: "), bold(", ".join(platforms)))


@REGISTRY.command(
    "settings deliver-to",
    help=N_(
        "Choose where scheduled messages reach you, if you use Staffroom on several platforms."
    ),
    params=[
        Param(
            "platform",
            Kind.CHOICE,
            N_("a platform you have linked, or auto for the one you used last"),
            required=True,
            choices=("auto", "slack", "discord", "telegram", "console"),
        )
    ],
    examples=["settings deliver-to telegram"],
)
def settings_deliver_to(ctx: Context, platform: str) -> Reply:
    linked = sorted({a.platform for a in accounts_of(ctx.session, ctx.member_id)})
    if platform != "auto" and platform not in linked:
        raise BadValue(
            _(
                "You have no {platform} account linked yet. Linked: {linked}. Send link there "
                "first, or choose one of those.",
                platform=platform,
                linked=", ".join(linked),
            ),
            "platform",
        )
    ctx.member.deliver_to = None if platform == "auto" else platform
    ctx.session.add(ctx.member)
    if platform == "auto":
        return Reply.success(_("Scheduled messages will reach you where you were last active."))
    return Reply.success(_("Scheduled messages will reach you on "), bold(platform), ".")


@REGISTRY.command(
    "settings language",
    help=N_("Choose the language Staffroom answers you in."),
    params=[Param("language", help=N_("a language code, like en"), required=True, max_length=16)],
    examples=["settings language en"],
)
def settings_language(ctx: Context, language: str) -> Reply:
    code = language.strip().lower().replace("-", "_")
    known = available_languages()
    if code not in known:
        raise BadValue(
            _(
                "Staffroom does not speak {language} yet. Available: {known}.",
                language=language[:16],
                known=", ".join(known),
            ),
            "language",
        )
    ctx.member.language = code
    ctx.session.add(ctx.member)
    set_language(code)
    return Reply.success(_("Staffroom will answer you in "), bold(code), ".")
