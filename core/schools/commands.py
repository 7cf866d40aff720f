"""Commands for schools: create a school and map workspaces to it, join it, grant roles (in a
school or a trust), the CPD lead's report, and the training a school requires."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from sqlmodel import col, select

from core.commands import N_, Access, Arg, command, confirmed
from core.context import Context
from core.cpd.periods import parse_period
from core.cpd.replies import category_label
from core.cpd.service import check_day, get_activity
from core.errors import NotFound, PermissionDenied, UserError
from core.i18n import _, format_number, ngettext
from core.identity.models import Member
from core.identity.service import find_member
from core.params import Kind
from core.reply import Reply, SpanLike, bold, code
from core.schools.exports import report_csv
from core.schools.models import RoleName, School, Training, Trust
from core.schools.report_pdf import cpd_report_pdf
from core.schools.service import (
    LEADS,
    TrainingState,
    TrainingStatus,
    cpd_report,
    create_school,
    find_school,
    get_training,
    grant_role,
    hours_by_month,
    in_school,
    join_school,
    map_tenant,
    mapped_school,
    member_count,
    record_training,
    require_role,
    require_training,
    revoke_role,
    role_holders,
    roles_of,
    school_by_code,
    school_of,
    status_of,
    tenants_of,
    training_statuses,
    trainings_of,
)
from core.schools.trust_replies import ScopeArg, TrustArg, report_trust, trust_cpd_reply
from core.schools.trusts import (
    administered_trusts,
    all_trusts,
    find_trust,
    grant_trust_role,
    is_trust_admin,
    require_trust_admin,
    revoke_trust_role,
    schools_in,
    trust_of,
    trust_role_holders,
)

LIST_LIMIT = 30
ReportFormat = Annotated[
    str | None,
    Arg(
        N_("the file that comes with the report: csv (the default) or pdf"),
        choices=("csv", "pdf"),
        positional=False,
    ),
]


def attach_report(
    reply: Reply,
    stem: str,
    format: str | None,
    csv: Callable[[], bytes],
    pdf: Callable[[], bytes],
) -> Reply:
    """The report's file: the CSV, or the PDF when asked for (a large school's PDF takes about a
    second to draw, so only on request). A trust's reports come as CSV only."""
    if format == "pdf":
        return reply.attach(f"{stem}.pdf", "application/pdf", pdf())
    return reply.attach(f"{stem}.csv", "text/csv", csv())


def trust_file_note(reply: Reply, format: str | None) -> Reply:
    """A trust admin asked for a PDF: say it is made per school and the CSV came instead."""
    if format == "pdf":
        reply.note(_("PDFs are made for one school at a time (scope=school); this is the CSV."))
    return reply


ROLE_CHOICES = tuple(r.value for r in RoleName)
_PERIOD_HELP = N_("this-year (default), last-year, month, last-month, week, all or FROM..TO")

SchoolName = Annotated[str, Arg(N_("the school's name, in quotes"), max_length=120)]
MemberRef = Annotated[str, Arg(N_("id or @mention"), kind=Kind.MEMBER, max_length=100)]
RoleArg = Annotated[str, Arg(N_("cpd-lead, school-admin or trust-admin"), choices=ROLE_CHOICES)]
RoleTrustArg = Annotated[
    str | None,
    Arg(
        N_("for trust-admin: which trust, in quotes (when it is not clear)"),
        positional=False,
        max_length=120,
    ),
]
TrainingId = Annotated[int, Arg(N_("the training's number, from training list"), kind=Kind.ID)]


def hours_text(value: float) -> str:
    """Hours as the reader writes them: ``1.5`` (``1,5`` in Spanish), ``2``."""
    return format_number(value)


def who(member: Member) -> list[SpanLike]:
    """A member's name with their id, so an admin sees exactly whom they acted on."""
    return [member.display_name, _(" (id {id})", id=member.id)]


def _role_label(role: RoleName) -> str:
    return {
        RoleName.SCHOOL_ADMIN: _("school admin"),
        RoleName.CPD_LEAD: _("CPD lead"),
        RoleName.TRUST_ADMIN: _("trust admin"),
    }[role]


def _same_name(one: str, other: str) -> bool:
    return " ".join(one.split()).lower() == " ".join(other.split()).lower()


def your_school(ctx: Context) -> School:
    """The member's school; a friendly refusal, saying how to join, when they are in none."""
    school = school_of(ctx.session, ctx.member_id)
    if school is not None:
        return school
    mapped = mapped_school(ctx.session, ctx.invocation.platform, ctx.invocation.tenant)
    if mapped is not None:
        raise UserError(
            _(
                "You are not in a school yet. This workspace belongs to {school}: "
                "send school show to join it.",
                school=mapped.name,
            )
        )
    raise UserError(
        _(
            "You are not in a school yet. Join yours with school join CODE; "
            "your CPD lead has the code."
        )
    )


def _what_leads_see(reply: Reply) -> Reply:
    reply.text(bold(_("What your school's CPD leads can see")))
    reply.text(
        _(
            "Activity titles, dates, hours, categories and standards of your CPD record; "
            "never your journal, your notes, observation notes (unless you share them) or your "
            "mentoring notes."
        )
    )
    reply.text(bold(_("What a trust sees")))
    return reply.text(
        _(
            "If your school is in a trust, its trust admins see per-school totals only (members, "
            "hours, activities, how many are quiet, training counts), never your name or your "
            "record."
        )
    )


# Schools -------------------------------------------------------------------------------------


@command(
    "school create",
    help=N_("Create a school and get the code its members join with (Staffroom admins)."),
    access=Access.ADMIN,
    examples=['school create "Hillside Primary"'],
)
def school_create(ctx: Context, *, name: SchoolName) -> Reply:
    school = create_school(ctx.session, name, ctx.now)
    ctx.audit("school.create", school_id=school.id)
    reply = Reply.success(
        _("School created: "),
        bold(school.name),
        _(". Its join code is "),
        code(school.join_code),
        ".",
    )
    reply.text(_("Members join it with school join {code}.", code=school.join_code))
    return reply.note(
        _(
            "To make a workspace the school's, send school map with the school's name in it; "
            "then admin grant makes someone its school admin or CPD lead."
        )
    )


def _trust_school(ctx: Context, name: str) -> School | None:
    """The school called ``name`` in a trust the member is a trust admin of, if any."""
    for trust in administered_trusts(ctx.session, ctx.member_id):
        assert trust.id is not None
        for school in schools_in(ctx.session, trust.id):
            if _same_name(school.name, name):
                return school
    return None


@command(
    "school map",
    help=N_("Send in a workspace: it belongs to the school, and its members can join it."),
    examples=['school map "Hillside Primary"'],
)
def school_map(ctx: Context, *, name: SchoolName) -> Reply:
    if ctx.is_admin:
        school = find_school(ctx.session, name)
    elif (trusted := _trust_school(ctx, name)) is not None:
        school = trusted
    else:
        own = school_of(ctx.session, ctx.member_id)
        if own is None or not _same_name(own.name, name):
            raise PermissionDenied(
                _(
                    "Only Staffroom admins, or school admins of that school (or trust admins "
                    "of its trust), can map a workspace to it."
                )
            )
        require_role(ctx.session, own, ctx.member_id, (RoleName.SCHOOL_ADMIN,))
        school = own
    platform, tenant = ctx.invocation.platform, ctx.invocation.tenant
    if not map_tenant(ctx.session, school, platform, tenant):
        return Reply.message(_("This workspace already belongs to "), bold(school.name), ".")
    ctx.audit("school.map", school_id=school.id, platform=platform, tenant=tenant)
    return Reply.success(
        _("This workspace now belongs to "),
        bold(school.name),
        _(". Everyone here who sends school show joins it, and is told what their CPD lead sees."),
    )


@command(
    "school join",
    help=N_("Join your school with the code your CPD lead gave you."),
    examples=["school join K7M2Q9XP"],
)
def school_join(
    ctx: Context,
    *,
    code: Annotated[str, Arg(N_("the school's join code"), max_length=20)],
    confirm: Annotated[
        str | None, Arg(N_("type confirm to move from the school you are in"), max_length=10)
    ] = None,
) -> Reply:
    school = school_by_code(ctx.session, code)
    current = school_of(ctx.session, ctx.member_id)
    if current is not None and current.id == school.id:
        return Reply.message(_("You are already a member of "), bold(school.name), ".")
    if current is not None and not confirmed(confirm):
        reply = Reply().heading(_("Move to {school}?", school=school.name))
        reply.text(
            _(
                "You are a member of {current}. You can belong to one school only, so joining "
                "{school} takes you out of {current}, with any role you hold there.",
                current=current.name,
                school=school.name,
            )
        )
        return reply.action(_("Move"), f"school join {school.join_code} confirm", "primary")
    join_school(ctx.session, school, ctx.member_id, ctx.now)
    ctx.audit("school.join", school_id=school.id)
    reply = Reply.success(_("You are now a member of "), bold(school.name), ".")
    return _what_leads_see(reply)


@command(
    "school show",
    help=N_("Your school, your role in it, and what its CPD leads can see of your record."),
)
def school_show(ctx: Context) -> Reply:
    school = school_of(ctx.session, ctx.member_id)
    joined = False
    if school is None:
        school = mapped_school(ctx.session, ctx.invocation.platform, ctx.invocation.tenant)
        if school is None:
            return Reply.message(
                _(
                    "You are not in a school yet. Join yours with school join CODE; "
                    "your CPD lead has the code."
                )
            )
        joined = join_school(ctx.session, school, ctx.member_id, ctx.now)
        if joined:
            ctx.audit("school.join", school_id=school.id, by="workspace")
    assert school.id is not None
    roles = roles_of(ctx.session, school.id, ctx.member_id)
    reply = Reply(tone="success" if joined else "info").heading(school.name)
    if joined:
        reply.text(_("This workspace belongs to this school, so you are now one of its members."))
    workspaces = [
        _("{platform} ({tenant})", platform=t.platform, tenant=t.tenant)
        for t in tenants_of(ctx.session, school.id)
    ]
    fields = [
        (
            _("Your role"),
            ", ".join(_role_label(r) for r in RoleName if r in roles) or _("member"),
        ),
        (_("Members"), str(member_count(ctx.session, school.id))),
        (_("Workspaces"), ", ".join(workspaces) or _("none mapped yet")),
    ]
    if ctx.is_admin or RoleName.SCHOOL_ADMIN in roles:
        fields.append((_("Join code"), school.join_code))
    reply.fields(fields)
    return _what_leads_see(reply)


@command(
    "privacy school",
    help=N_("What your school's CPD leads, and the admins of its trust, can see of your record."),
)
def privacy_school(ctx: Context) -> Reply:
    school = school_of(ctx.session, ctx.member_id)
    reply = Reply()
    if school is None:
        reply.text(_("You are not in a school, so no CPD lead or trust sees anything of yours."))
    else:
        trust = trust_of(ctx.session, school)
        reply.heading(school.name)
        if trust is not None:
            reply.fields([(_("Trust"), trust.name)])
    return _what_leads_see(reply)


# Roles ---------------------------------------------------------------------------------------


def _school_and_member(ctx: Context, ref: str) -> tuple[School, Member]:
    """The member a role command acts on, with their school. Staffroom admins act in any
    school; a school admin only on members of their own. Display names are chosen by members
    themselves, so only ids, mentions and handles count."""
    platform, tenant = ctx.invocation.platform, ctx.invocation.tenant
    if ctx.is_admin:
        target = find_member(ctx.session, ref, platform, tenant, by_name=False)
        assert target.id is not None
        found = school_of(ctx.session, target.id)
        if found is None:
            raise NotFound(
                _(
                    "{name} (id {id}) is not in a school yet; they join with school join CODE.",
                    name=target.display_name,
                    id=target.id,
                )
            )
        return found, target
    school = your_school(ctx)
    assert school.id is not None
    require_role(ctx.session, school, ctx.member_id, (RoleName.SCHOOL_ADMIN,))
    school_id = school.id
    target = find_member(
        ctx.session,
        ref,
        platform,
        tenant,
        by_name=False,
        visible=lambda member_id: in_school(ctx.session, school_id, member_id),
    )
    if target.id is None or not in_school(ctx.session, school_id, target.id):
        raise NotFound(
            _("{ref} is not a member of {school}.", ref=ref.strip()[:60], school=school.name)
        )
    return school, target


def _role_trust(ctx: Context, name: str | None) -> Trust:
    """The trust a trust-admin grant or revoke is about: the one named, or the only trust the
    member is a trust admin of. Staffroom admins act on any trust; trust admins on their own."""
    if name is not None:
        trust = find_trust(ctx.session, name)
        if not ctx.is_admin:
            require_trust_admin(ctx.session, trust, ctx.member_id)
        return trust
    mine = administered_trusts(ctx.session, ctx.member_id)
    if len(mine) == 1:
        return mine[0]
    if not mine and not ctx.is_admin:
        raise PermissionDenied(
            _("Only trust admins of a trust, or Staffroom admins, can make someone a trust admin.")
        )
    if not mine and len(everything := all_trusts(ctx.session)) == 1:
        return everything[0]
    raise UserError(
        _(
            'Say which trust, like admin grant #12 trust-admin trust="Riverside Trust". '
            "Send trust show to see the trusts."
        )
    )


def _trust_member(ctx: Context, trust: Trust, ref: str) -> Member:
    """The member a trust role command acts on. A Staffroom admin names anyone; a trust admin
    someone in one of the trust's schools, or someone they share a workspace or community with.
    Only ids, mentions and handles count, as for school roles."""
    assert trust.id is not None
    schools = {s.id for s in schools_in(ctx.session, trust.id)}

    def visible(member_id: int) -> bool:
        found = school_of(ctx.session, member_id)
        return (
            ctx.is_admin
            or ctx.may_see(member_id)
            or is_trust_admin(ctx.session, trust.id or 0, member_id)
            or (found is not None and found.id in schools)
        )

    return find_member(
        ctx.session,
        ref,
        ctx.invocation.platform,
        ctx.invocation.tenant,
        by_name=False,
        visible=visible,
    )


def _grant_trust_admin(ctx: Context, ref: str, name: str | None) -> Reply:
    trust = _role_trust(ctx, name)
    target = _trust_member(ctx, trust, ref)
    assert target.id is not None
    label = _role_label(RoleName.TRUST_ADMIN)
    if not grant_trust_role(ctx.session, trust, target.id, by=ctx.member_id, now=ctx.now):
        return Reply.message(
            *who(target), _(" is already {role} of ", role=label), bold(trust.name), "."
        )
    ctx.audit(
        "trust.grant", trust_id=trust.id, member_id=target.id, role=RoleName.TRUST_ADMIN.value
    )
    reply = Reply.success(*who(target), _(" is now {role} of ", role=label), bold(trust.name), ".")
    return reply.note(
        _("They see each school's report totals with report cpd, never its members by name.")
    )


@command(
    "admin grant",
    help=N_("Make a member of your school its CPD lead or a school admin, or make a trust admin."),
    examples=[
        "admin grant #12 cpd-lead",
        "admin grant @sam school-admin",
        'admin grant #15 trust-admin trust="Riverside Trust"',
    ],
)
def admin_grant(
    ctx: Context, *, member: MemberRef, role: RoleArg, trust: RoleTrustArg = None
) -> Reply:
    chosen = RoleName(role)
    if chosen is RoleName.TRUST_ADMIN:
        return _grant_trust_admin(ctx, member, trust)
    school, target = _school_and_member(ctx, member)
    assert target.id is not None
    if not grant_role(ctx.session, school, target.id, chosen, by=ctx.member_id, now=ctx.now):
        return Reply.message(
            *who(target),
            _(" is already {role} of ", role=_role_label(chosen)),
            bold(school.name),
            ".",
        )
    ctx.audit("school.grant", school_id=school.id, member_id=target.id, role=chosen.value)
    return Reply.success(
        *who(target), _(" is now {role} of ", role=_role_label(chosen)), bold(school.name), "."
    )


@command(
    "admin revoke",
    help=N_("Take a role (cpd-lead, school-admin or trust-admin) away from a member."),
    examples=["admin revoke #12 cpd-lead", 'admin revoke #15 trust-admin trust="Riverside Trust"'],
)
def admin_revoke(
    ctx: Context, *, member: MemberRef, role: RoleArg, trust: RoleTrustArg = None
) -> Reply:
    chosen = RoleName(role)
    scope: School | Trust
    if chosen is RoleName.TRUST_ADMIN:
        scope = _role_trust(ctx, trust)
        target = _trust_member(ctx, scope, member)
        assert target.id is not None
        done = revoke_trust_role(ctx.session, scope, target.id)
        action, detail = "trust.revoke", {"trust_id": scope.id}
    else:
        scope, target = _school_and_member(ctx, member)
        assert target.id is not None
        done = revoke_role(ctx.session, scope, target.id, chosen)
        action, detail = "school.revoke", {"school_id": scope.id}
    if not done:
        raise UserError(
            _(
                "{name} is not {role} of {school}, so there is nothing to take away.",
                name=target.display_name,
                role=_role_label(chosen),
                school=scope.name,
            )
        )
    ctx.audit(action, **detail, member_id=target.id, role=chosen.value)
    return Reply.success(
        *who(target),
        _(" is no longer {role} of ", role=_role_label(chosen)),
        bold(scope.name),
        ".",
    )


def _holder_line(
    holder_member: Member, role: RoleName, since: str, by: Member | None
) -> list[SpanLike]:
    line: list[SpanLike] = [
        *who(holder_member),
        f" · {_role_label(role)} · ",
        _("since {day}", day=since),
    ]
    if by is not None:
        line.append(_(", granted by {name}", name=by.display_name))
    return line


@command(
    "admin list",
    help=N_("Who holds a role in your school or trust (Staffroom admins: in any school)."),
    examples=["admin list", 'admin list "Hillside Primary"'],
)
def admin_list(
    ctx: Context,
    *,
    school: Annotated[
        str | None, Arg(N_("a school's name (Staffroom admins)"), max_length=120)
    ] = None,
) -> Reply:
    trusts: list[Trust] = []
    if ctx.is_admin:
        own = school_of(ctx.session, ctx.member_id)
        if school is not None:
            schools = [find_school(ctx.session, school)]
        elif own is not None:
            schools = [own]
        else:
            schools = list(ctx.session.exec(select(School).order_by(col(School.name))))
            trusts = all_trusts(ctx.session)
        if school is not None or own is not None:
            trusts = [t for t in (trust_of(ctx.session, s) for s in schools) if t is not None]
    elif school is None and (mine_trusts := administered_trusts(ctx.session, ctx.member_id)):
        # A trust admin: their trusts' admins, and their school's roles if they run it.
        trusts = mine_trusts
        own = school_of(ctx.session, ctx.member_id)
        schools = (
            [own]
            if own is not None
            and own.id is not None
            and RoleName.SCHOOL_ADMIN in roles_of(ctx.session, own.id, ctx.member_id)
            else []
        )
    else:
        mine = your_school(ctx)
        if school is not None and not _same_name(mine.name, school):
            raise PermissionDenied(_("You can list the roles of your own school only."))
        require_role(ctx.session, mine, ctx.member_id, (RoleName.SCHOOL_ADMIN,))
        schools = [mine]
    reply = Reply().heading(_("School roles"))
    if not schools and not trusts:
        return reply.text(_('There are no schools yet. Create one with school create "Name".'))
    for found in schools:
        assert found.id is not None
        reply.text(bold(found.name))
        holders = role_holders(ctx.session, found.id)
        if not holders:
            reply.text(_("No one holds a role yet."))
            continue
        reply.items(
            [
                _holder_line(
                    h.member,
                    RoleName(h.role.role),
                    h.role.granted_at.date().isoformat(),
                    h.granted_by,
                )
                for h in holders
            ]
        )
    for trust in trusts:
        assert trust.id is not None
        reply.text(bold(_("{trust} (trust)", trust=trust.name)))
        trust_holders = trust_role_holders(ctx.session, trust.id)
        if not trust_holders:
            reply.text(_("No one is a trust admin yet."))
            continue
        reply.items(
            [
                _holder_line(
                    h.member,
                    RoleName(h.role.role),
                    h.role.granted_at.date().isoformat(),
                    h.granted_by,
                )
                for h in trust_holders
            ]
        )
    return reply.note(_("Change them with admin grant MEMBER ROLE and admin revoke MEMBER ROLE."))


# The CPD report ------------------------------------------------------------------------------


@command(
    "report cpd",
    help=N_(
        "Your school's CPD in a period: hours, categories and quiet members (CPD leads); "
        "for trust admins, each school's totals."
    ),
    examples=[
        "report cpd",
        "report cpd last-year",
        "report cpd 2026-09-01..2026-12-31",
        "report cpd scope=school",
        "report cpd last-year format=pdf",
    ],
)
def report_cpd(
    ctx: Context,
    *,
    period: Annotated[str | None, Arg(_PERIOD_HELP, max_length=40)] = None,
    scope: ScopeArg = None,
    trust: TrustArg = None,
    format: ReportFormat = None,
) -> Reply:
    found = report_trust(ctx, scope, trust)
    if found is not None:
        chosen = parse_period(period, ctx.local_now.date(), ctx.settings.cpd.cycle_start_month)
        return trust_file_note(trust_cpd_reply(ctx, found, chosen), format)
    school = your_school(ctx)
    assert school.id is not None
    require_role(ctx.session, school, ctx.member_id, LEADS)
    chosen = parse_period(period, ctx.local_now.date(), ctx.settings.cpd.cycle_start_month)
    report = cpd_report(ctx.session, school.id, chosen)
    reply = Reply().heading(
        _("CPD at {school}: {period}", school=school.name, period=chosen.label())
    )
    reply.fields(
        [
            (_("Members"), str(len(report.members))),
            (_("Hours"), hours_text(report.total_hours)),
            (_("Activities"), str(report.total_activities)),
        ]
    )
    if report.by_category:
        reply.text(bold(_("By category")))
        reply.items([[f"{category_label(c)}: {hours_text(h)} h"] for c, h in report.by_category])
    quiet = report.quiet
    if quiet:
        reply.text(
            bold(
                ngettext(
                    "{n} quiet member, with nothing logged in this period",
                    "{n} quiet members, with nothing logged in this period",
                    len(quiet),
                )
            )
        )
        reply.items([[m.name] for m in quiet[:LIST_LIMIT]])
        if len(quiet) > LIST_LIMIT:
            reply.note(_("Showing {shown}; the file lists everyone.", shown=LIST_LIMIT))
    else:
        reply.text(_("Everyone has logged something in this period."))
    reply.note(
        _(
            "The file has one row per member with their hours and activities: no titles, "
            "notes or journal entries."
        )
    )
    school_id = school.id
    return attach_report(
        reply,
        f"school-cpd-{chosen.slug()}",
        format,
        lambda: report_csv(report),
        lambda: cpd_report_pdf(
            report,
            school=school.name,
            by_month=hours_by_month(ctx.session, school_id, chosen),
            now=ctx.now,
            today=ctx.local_now.date(),
            settings=ctx.settings.cpd,
        ),
    )


# Training ------------------------------------------------------------------------------------


def _training_line(training: Training) -> list[SpanLike]:
    parts: list[SpanLike] = [code(f"#{training.id}"), " ", bold(training.title)]
    details = []
    if training.every_months:
        details.append(
            ngettext("again every {n} month", "again every {n} months", training.every_months)
        )
    else:
        details.append(_("once"))
    if training.due:
        details.append(_("due by {due}", due=training.due.isoformat()))
    return [*parts, " · " + " · ".join(details)]


def _status_text(status: TrainingStatus, today: date) -> str:
    """What follows the state: ``Done: on 2026-11-23, valid until 2027-11-23``."""
    done = status.last_done.isoformat() if status.last_done else ""
    until = status.until.isoformat() if status.until else ""
    match status.state:
        case TrainingState.DONE if status.until is not None:
            return _("on {done}, valid until {until}", done=done, until=until)
        case TrainingState.DONE:
            return _("on {done}", done=done)
        case TrainingState.EXPIRED:
            return _("valid until {until} (done {done})", until=until, done=done)
        case _ if status.last_done is not None:
            return _("again by {until} (done {done})", until=until, done=done)
        case _ if status.until is None:
            return _("not done yet")
        case _ if status.until < today:
            return _("by {due}, now overdue", due=until)
        case _:
            return _("by {due}", due=until)


def _status_line(status: TrainingStatus, today: date) -> list[SpanLike]:
    label = {
        TrainingState.DONE: _("Done"),
        TrainingState.DUE: _("Due"),
        TrainingState.EXPIRED: _("Expired"),
    }[status.state]
    return [
        code(f"#{status.training.id}"),
        " ",
        bold(status.training.title),
        f" · {label}: {_status_text(status, today)}",
    ]


@command(
    "training require",
    help=N_("Require a training of everyone in your school, once or every so many months."),
    form=True,
    examples=[
        'training require "Safeguarding" every=12 due=2027-01-31',
        'training require "First aid" every=36',
    ],
)
def training_require(
    ctx: Context,
    *,
    title: Annotated[str, Arg(N_("the training, in quotes"), max_length=200)],
    every: Annotated[
        int | None,
        Arg(
            N_("months until it is due again, like 12"),
            positional=False,
            min_value=1,
            max_value=120,
        ),
    ] = None,
    due: Annotated[
        date | None, Arg(N_("first due by, like 2027-03-31"), positional=False, prefer="future")
    ] = None,
) -> Reply:
    school = your_school(ctx)
    require_role(ctx.session, school, ctx.member_id, LEADS)
    training = require_training(
        ctx.session,
        school,
        title=title,
        every_months=every,
        due=due,
        today=ctx.local_now.date(),
        by=ctx.member_id,
        now=ctx.now,
    )
    ctx.audit("training.require", school_id=school.id, training_id=training.id)
    reply = Reply.success(
        _("Everyone at {school} is now asked to do: ", school=school.name), bold(training.title)
    )
    reply.items([_training_line(training)])
    return reply.note(_("Members see it with training status, and record it with training done."))


@command("training list", help=N_("The training your school requires."))
def training_list(ctx: Context) -> Reply:
    school = your_school(ctx)
    assert school.id is not None
    trainings = trainings_of(ctx.session, school.id)
    reply = Reply().heading(_("Training at {school}", school=school.name))
    if not trainings:
        return reply.text(_("Your school requires no training yet."))
    reply.items([_training_line(t) for t in trainings])
    return reply.note(_("Where you stand: training status."))


@command(
    "training remove",
    help=N_("Stop requiring a training (everyone's records of it go too). Asks first."),
    examples=["training remove 3"],
)
def training_remove(
    ctx: Context,
    *,
    id: TrainingId,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to remove without asking"), max_length=10)
    ] = None,
) -> Reply:
    school = your_school(ctx)
    require_role(ctx.session, school, ctx.member_id, LEADS)
    training = get_training(ctx.session, school, id)
    if not confirmed(confirm):
        reply = Reply().heading(_("Stop requiring this training?"))
        reply.items([_training_line(training)])
        reply.text(_("Everyone's records of doing it are removed with it. This cannot be undone."))
        return reply.action(_("Remove it"), f"training remove {id} confirm", "danger")
    ctx.session.delete(training)
    ctx.session.flush()
    ctx.audit("training.remove", school_id=school.id, training_id=id)
    return Reply.success(_("Removed training #{id}: ", id=id), bold(training.title))


@command("training status", help=N_("Where you stand with each training your school requires."))
def training_status(ctx: Context) -> Reply:
    school = your_school(ctx)
    assert school.id is not None
    today = ctx.local_now.date()
    statuses = training_statuses(ctx.session, school.id, ctx.member_id, today)
    reply = Reply().heading(_("Your training at {school}", school=school.name))
    if not statuses:
        return reply.text(_("Your school requires no training yet."))
    reply.items([_status_line(s, today) for s in statuses])
    to_do = sum(s.state is not TrainingState.DONE for s in statuses)
    if to_do:
        reply.text(
            _("Still to do: {n}.", n=to_do),
            _(" Record one with training done ID."),
        )
    else:
        reply.text(_("All done. Well done!"))
    return reply


@command(
    "training done",
    help=N_("Record that you did a required training, with a link to a certificate if you like."),
    examples=[
        "training done 3",
        "training done 3 date=2026-11-20 evidence=https://example.org/certificate.pdf",
    ],
)
def training_done(
    ctx: Context,
    *,
    id: TrainingId,
    date: Annotated[
        date | None, Arg(N_("when: 2026-11-20, yesterday, last friday"), positional=False)
    ] = None,
    evidence: Annotated[
        str | None, Arg(N_("a link to a certificate"), kind=Kind.URL, positional=False)
    ] = None,
    activity: Annotated[
        int | None,
        Arg(N_("your CPD activity for it, from cpd list"), kind=Kind.ID, positional=False),
    ] = None,
) -> Reply:
    school = your_school(ctx)
    training = get_training(ctx.session, school, id)
    today = ctx.local_now.date()
    day = check_day(date or today, today)
    if activity is not None:
        get_activity(ctx.session, ctx.member_id, activity)  # only one's own
    record, new = record_training(
        ctx.session,
        training,
        ctx.member_id,
        done_on=day,
        evidence_url=evidence,
        cpd_activity_id=activity,
        now=ctx.now,
    )
    status = training_statuses(ctx.session, training.school_id, ctx.member_id, today)
    current = next(
        (s for s in status if s.training.id == training.id), status_of(training, day, today)
    )
    if new:
        reply = Reply.success(
            _("Recorded: "), bold(training.title), _(", done {day}.", day=day.isoformat())
        )
    else:
        reply = Reply.message(
            _("You had already recorded "),
            bold(training.title),
            _(" on {day}; I kept that record and added what you gave.", day=day.isoformat()),
        )
    reply.items([_status_line(current, today)])
    if record.evidence_url:
        reply.fields([(_("Evidence"), record.evidence_url)])
    return reply
