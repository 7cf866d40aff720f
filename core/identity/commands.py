"""Commands for profiles, settings and linking accounts."""

from __future__ import annotations

from typing import Annotated

from core.commands import N_, Arg, command
from core.context import Context
from core.errors import UserError
from core.i18n import _, available_languages, language_name, match_language, set_language
from core.identity.models import Member
from core.identity.service import (
    LINK_CODE_TTL,
    accounts_of,
    cancel_link,
    claim_link_code,
    confirm_link,
    create_link_code,
    find_member,
    unlink_account,
)
from core.params import BadValue, Kind
from core.reply import Reply, SpanLike, bold

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


@command(
    "profile show",
    help=N_("Show your profile, or another member's."),
    examples=["profile show", "profile show #12"],
)
def profile_show(
    ctx: Context,
    *,
    member: Annotated[
        str | None, Arg(N_("a member: #id, @mention or name"), kind=Kind.MEMBER)
    ] = None,
) -> Reply:
    if member is None:
        return profile_reply(ctx.member, own=True)
    other = find_member(
        ctx.session,
        member,
        ctx.invocation.platform,
        ctx.invocation.tenant,
        visible=ctx.may_see,
    )
    return profile_reply(other, own=other.id == ctx.member.id)


@command(
    "profile set",
    help=N_("Change your profile. Lists are comma-separated."),
    form=True,
    examples=["profile set role=teacher subjects=maths phases=secondary timezone=Europe/London"],
)
def profile_set(
    ctx: Context,
    *,
    name: Annotated[
        str | None, Arg(N_("your name as others see it"), positional=False, max_length=100)
    ] = None,
    role: Annotated[str | None, Arg(N_("what you do"), choices=ROLES, positional=False)] = None,
    subjects: Annotated[
        str | None, Arg(N_("subjects you teach, comma-separated"), positional=False, max_length=300)
    ] = None,
    phases: Annotated[
        str | None,
        Arg(
            N_(
                "phases, comma-separated: early-years, primary, secondary, further, higher, "
                "all-through"
            ),
            positional=False,
            max_length=200,
        ),
    ] = None,
    timezone: Annotated[
        str | None, Arg(N_("like Europe/London"), kind=Kind.TIMEZONE, positional=False)
    ] = None,
    languages: Annotated[
        str | None,
        Arg(N_("languages you speak, comma-separated"), positional=False, max_length=200),
    ] = None,
    bio: Annotated[
        str | None,
        Arg(N_("a few words about you"), kind=Kind.LONG_TEXT, positional=False, max_length=1000),
    ] = None,
    school: Annotated[
        str | None, Arg(N_("your school or organisation"), positional=False, max_length=120)
    ] = None,
    experience: Annotated[
        int | None, Arg(N_("years teaching"), positional=False, min_value=0, max_value=70)
    ] = None,
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
        ctx.timezone_changed()
    reply = profile_reply(member, own=True, title=_("Profile updated"))
    reply.tone = "success"
    return reply


@command(
    "settings timezone",
    help=N_("Set your timezone, so prompts and reminders arrive at your local time."),
    examples=["settings timezone America/New_York"],
)
def settings_timezone(
    ctx: Context, *, zone: Annotated[str, Arg(N_("like Europe/London"), kind=Kind.TIMEZONE)]
) -> Reply:
    changed = zone != ctx.member.timezone
    ctx.member.timezone = zone
    ctx.session.add(ctx.member)
    ctx.session.flush()
    if changed:
        ctx.timezone_changed()
    local = ctx.now.astimezone(ctx.zone).strftime("%H:%M")
    return Reply.success(
        _("Your timezone is now "), bold(zone), _(" (it is {time} there).", time=local)
    )


PLATFORM_NAMES = {
    "slack": "Slack",
    "discord": "Discord",
    "telegram": "Telegram",
    "console": N_("the console"),
}


def _platform(name: str) -> str:
    return _(PLATFORM_NAMES.get(name, name))


def _platforms_of(ctx: Context, member_id: int) -> str:
    return ", ".join(sorted({_platform(a.platform) for a in accounts_of(ctx.session, member_id)}))


@command(
    "link",
    help=N_("Link accounts: link gives a code; link CODE on your other account joins them."),
    examples=["link", "link K7P4XM2Q"],
)
def link(
    ctx: Context,
    *,
    code: Annotated[str | None, Arg(N_("the code from your other account"), max_length=20)] = None,
) -> Reply:
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
            .note(
                _(
                    "Everything from that account joins this one: CPD, journal, communities. "
                    "Never share the code: whoever types it is asked to join you."
                )
            )
        )
    target = claim_link_code(ctx.session, ctx.member, code, ctx.now)
    assert target.id is not None
    here = _platform(ctx.invocation.platform)
    return (
        Reply()
        .heading(_("Link this account?"))
        .text(
            _("This {platform} account would join ", platform=here),
            bold(target.display_name),
            _(
                " (on {platforms}), the member who made the code.",
                platforms=_platforms_of(ctx, target.id),
            ),
        )
        .text(
            _(
                "Your journal, CPD record, communities and settings from here move into that "
                "member, and it is the one kept, because the code was made there. If you did "
                "not ask for a code yourself, press Cancel: whoever made it would see your data."
            )
        )
        .action(_("Link the accounts"), "link confirm", "primary")
        .action(_("Cancel"), "link cancel")
    )


@command("link confirm", help=N_("Join this account into the member whose code you typed."))
def link_confirm(ctx: Context) -> Reply:
    target = confirm_link(ctx.session, ctx.member, ctx.now, ctx.privacy)
    ctx.member = target
    return Reply.success(
        _("Linked. You are one member on: "), bold(_platforms_of(ctx, ctx.member_id))
    )


@command("link cancel", help=N_("Do not link: forget the code you typed."))
def link_cancel(ctx: Context) -> Reply:
    if cancel_link(ctx.session, ctx.member_id):
        return Reply.success(_("Nothing was linked, and the code no longer waits for you."))
    return Reply.message(_("There was no link waiting for you. Nothing was changed."))


@command("link list", help=N_("See which accounts are linked to you."))
def link_list(ctx: Context) -> Reply:
    accounts = accounts_of(ctx.session, ctx.member_id)
    counts: dict[str, int] = {}
    for account in accounts:
        counts[account.platform] = counts.get(account.platform, 0) + 1
    lines: list[list[SpanLike]] = []
    for account in accounts:
        name = _platform(account.platform)
        if counts[account.platform] > 1:
            name = f"{name} ({account.tenant})"
        shown = _(
            "{platform}, since {day}", platform=name, day=account.created_at.date().isoformat()
        )
        if account.id == ctx.account.id:
            shown += _(" — this account")
        lines.append([shown])
    reply = Reply().heading(_("Your linked accounts")).items(lines)
    if len(accounts) > 1:
        return reply.note(_("To unlink one, send link remove PLATFORM from another of them."))
    return reply.note(_("Only this one. Send link to add an account on another platform."))


@command(
    "link remove",
    help=N_("Unlink one of your accounts; your data stays with you here."),
    examples=["link remove telegram", "link remove slack:T0123"],
)
def link_remove(
    ctx: Context,
    *,
    account: Annotated[
        str, Arg(N_("the platform, or platform:workspace when you have two"), max_length=80)
    ],
) -> Reply:
    platform, _sep, tenant = account.strip().lower().partition(":")
    mine = accounts_of(ctx.session, ctx.member_id)
    found = [
        a for a in mine if a.platform == platform and (not tenant or a.tenant.lower() == tenant)
    ]
    if not found:
        raise BadValue(
            _(
                "You have no linked {platform} account. Send link list to see yours.",
                platform=_platform(platform),
            ),
            "account",
        )
    if len(found) > 1:
        options = ", ".join(f"{platform}:{a.tenant}" for a in found)
        raise BadValue(_("You have several; say which: {options}.", options=options), "account")
    chosen = found[0]
    if chosen.id == ctx.account.id:
        raise UserError(
            _(
                "You are using that account now. Send link remove {platform} from one of your "
                "other accounts.",
                platform=platform,
            )
        )
    unlink_account(ctx.session, chosen)
    remaining = {a.platform for a in mine if a.id != chosen.id}
    if ctx.member.deliver_to == chosen.platform and chosen.platform not in remaining:
        ctx.member.deliver_to = None
        ctx.session.add(ctx.member)
    ctx.audit("identity.unlink", platform=chosen.platform)
    return Reply.success(
        _(
            "Your {platform} account is no longer linked. Everything stays with you here; that "
            "account starts afresh if it talks to Staffroom again. To link it again, send link "
            "here and the code there.",
            platform=_platform(chosen.platform),
        )
    )


@command(
    "settings deliver-to",
    help=N_(
        "Choose where scheduled messages reach you, if you use Staffroom on several platforms."
    ),
    examples=["settings deliver-to telegram"],
)
def settings_deliver_to(
    ctx: Context,
    *,
    platform: Annotated[
        str,
        Arg(
            N_("a platform you have linked, or auto for the one you used last"),
            choices=("auto", "slack", "discord", "telegram", "console"),
        ),
    ],
) -> Reply:
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


@command(
    "settings language",
    help=N_("Choose the language Staffroom answers you in."),
    examples=["settings language Español", "settings language fr"],
)
def settings_language(
    ctx: Context,
    *,
    language: Annotated[
        str, Arg(N_("a language, by name or code: English, Español, fr, cy"), max_length=32)
    ],
) -> Reply:
    code = match_language(language)
    if code is None:
        known = ", ".join(f"{language_name(c)} ({c})" for c in available_languages())
        raise BadValue(
            _(
                "Staffroom does not speak {language} yet. Available: {known}.",
                language=language[:32],
                known=known,
            ),
            "language",
        )
    ctx.member.language = code
    ctx.session.add(ctx.member)
    set_language(code)
    return Reply.success(_("Staffroom will answer you in "), bold(language_name(code)), ".")
