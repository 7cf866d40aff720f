"""Commands for trusts: create one, add and remove its schools, and see it.

Putting a school in a trust lets the trust's admins see that school's report totals, so it
needs someone who speaks for the school as well as for the trust: a Staffroom admin, or a trust
admin who is also a school admin of that school. Taking a school out asks first, and may be
done by the trust's admins or by the school's own admins (a school can always leave).
"""

from __future__ import annotations

from typing import Annotated

from core.commands import N_, Access, Arg, command, confirmed
from core.context import Context
from core.errors import NotFound, PermissionDenied, UserError
from core.i18n import _, ngettext
from core.reply import Reply, SpanLike, bold
from core.schools.commands import SchoolName, who
from core.schools.models import RoleName, School, Trust
from core.schools.service import find_school, member_count, roles_of, school_of
from core.schools.trusts import (
    add_school,
    administered_trusts,
    all_trusts,
    create_trust,
    find_trust,
    is_trust_admin,
    remove_school,
    schools_in,
    trust_of,
    trust_role_holders,
)

TrustName = Annotated[str, Arg(N_("the trust's name, in quotes"), max_length=120)]
WhichTrust = Annotated[
    str | None,
    Arg(N_("which trust, in quotes (when it is not clear)"), positional=False, max_length=120),
]


def _same(one: str, other: str) -> bool:
    return " ".join(one.split()).lower() == " ".join(other.split()).lower()


def _acting_trust(ctx: Context, name: str | None) -> Trust:
    """The trust a ``trust add`` or ``trust remove`` acts on: the one named, or the only trust
    the member administers (for a Staffroom admin: the only trust there is)."""
    if name is not None:
        trust = find_trust(ctx.session, name)
        if not ctx.is_admin and not is_trust_admin(ctx.session, trust.id or 0, ctx.member_id):
            raise PermissionDenied(_("Only trust admins of {trust} can do that.", trust=trust.name))
        return trust
    mine = administered_trusts(ctx.session, ctx.member_id)
    if not mine and ctx.is_admin:
        mine = all_trusts(ctx.session)
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise PermissionDenied(_("Only trust admins and Staffroom admins can do that."))
    raise UserError(
        _(
            'Say which trust with trust="NAME": {trusts}.',
            trusts=", ".join(t.name for t in mine),
        )
    )


def _speaks_for(ctx: Context, school: School) -> bool:
    """A Staffroom admin, or a school admin of the school."""
    assert school.id is not None
    return ctx.is_admin or RoleName.SCHOOL_ADMIN in roles_of(ctx.session, school.id, ctx.member_id)


@command(
    "trust create",
    help=N_("Create a trust, a group of schools whose trust admins see each school's totals."),
    access=Access.ADMIN,
    examples=['trust create "Riverside Learning Trust"'],
)
def trust_create(ctx: Context, *, name: TrustName) -> Reply:
    trust = create_trust(ctx.session, name, ctx.now)
    ctx.audit("trust.create", trust_id=trust.id)
    reply = Reply.success(_("Trust created: "), bold(trust.name), ".")
    return reply.note(
        _(
            'Add its schools with trust add "School"; then admin grant MEMBER trust-admin '
            "makes someone its trust admin."
        )
    )


@command(
    "trust add",
    help=N_("Put a school in your trust (a school is in one trust at most)."),
    examples=['trust add "Hillside Primary"', 'trust add "Oakfield High" trust="Riverside"'],
)
def trust_add(ctx: Context, *, school: SchoolName, trust: WhichTrust = None) -> Reply:
    chosen = _acting_trust(ctx, trust)
    found = find_school(ctx.session, school)
    if not _speaks_for(ctx, found):
        raise PermissionDenied(
            _(
                "A school joins a trust with its own say: a school admin of {school} (who is "
                "also a trust admin), or a Staffroom admin, adds it.",
                school=found.name,
            )
        )
    if not add_school(ctx.session, chosen, found):
        return Reply.message(bold(found.name), _(" is already in "), bold(chosen.name), ".")
    ctx.audit("trust.add", trust_id=chosen.id, school_id=found.id)
    reply = Reply.success(bold(found.name), _(" is now in "), bold(chosen.name), ".")
    return reply.note(
        _(
            "The trust's admins see this school's report totals from now on; never its "
            "members by name."
        )
    )


@command(
    "trust remove",
    help=N_("Take a school out of its trust (trust admins, or the school's admins). Asks first."),
    examples=['trust remove "Hillside Primary"'],
)
def trust_remove(
    ctx: Context,
    *,
    school: SchoolName,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to remove without asking"), max_length=10)
    ] = None,
) -> Reply:
    found = find_school(ctx.session, school)
    current = trust_of(ctx.session, found)
    if current is None or current.id is None:
        raise NotFound(_("{school} is not in a trust.", school=found.name))
    allowed = _speaks_for(ctx, found) or is_trust_admin(ctx.session, current.id, ctx.member_id)
    if not allowed:
        raise PermissionDenied(
            _(
                "Only trust admins of {trust}, school admins of {school} and Staffroom admins "
                "can do that.",
                trust=current.name,
                school=found.name,
            )
        )
    if not confirmed(confirm):
        reply = Reply().heading(
            _("Take {school} out of {trust}?", school=found.name, trust=current.name)
        )
        reply.text(
            _(
                "The trust's admins stop seeing its totals. Adding it back needs a school "
                "admin of {school} or a Staffroom admin.",
                school=found.name,
            )
        )
        quote = "'" if '"' in found.name else '"'
        return reply.action(
            _("Take it out"), f"trust remove {quote}{found.name}{quote} confirm", "danger"
        )
    remove_school(ctx.session, current, found)
    ctx.audit("trust.remove", trust_id=current.id, school_id=found.id)
    return Reply.success(bold(found.name), _(" is no longer in "), bold(current.name), ".")


def _visible_trusts(ctx: Context) -> list[Trust]:
    """The trusts a member sees without naming one: those they administer and their school's;
    for a Staffroom admin, every trust."""
    if ctx.is_admin:
        return all_trusts(ctx.session)
    seen = {t.id: t for t in administered_trusts(ctx.session, ctx.member_id)}
    own = school_of(ctx.session, ctx.member_id)
    theirs = trust_of(ctx.session, own) if own is not None else None
    if theirs is not None:
        seen.setdefault(theirs.id, theirs)
    return sorted(seen.values(), key=lambda t: t.name.lower())


@command(
    "trust show",
    help=N_("Your school's trust: its schools and its trust admins."),
    examples=["trust show", 'trust show "Riverside Learning Trust"'],
)
def trust_show(
    ctx: Context,
    *,
    name: Annotated[str | None, Arg(N_("a trust's name, in quotes"), max_length=120)] = None,
) -> Reply:
    visible = _visible_trusts(ctx)
    if name is not None:
        visible = [t for t in visible if _same(t.name, name)]
        if not visible:
            # The same answer whether it does not exist or is not the member's to see.
            raise NotFound(
                _("You are in no trust called {name}.", name=" ".join(name.split())[:60])
            )
    if not visible:
        reply = Reply.message(_("Your school is not in a trust."))
        return reply.note(_("Trust admins see each school's totals, never its members by name."))
    reply = Reply()
    for trust in visible:
        assert trust.id is not None
        reply.heading(trust.name)
        schools = schools_in(ctx.session, trust.id)
        if schools:
            reply.text(
                bold(ngettext("{n} school", "{n} schools", len(schools))),
            )
            reply.items(
                [
                    [
                        bold(s.name),
                        " · ",
                        ngettext("{n} member", "{n} members", member_count(ctx.session, s.id or 0)),
                    ]
                    for s in schools
                ]
            )
        else:
            reply.text(_('No schools yet. Add one with trust add "School".'))
        admins: list[list[SpanLike]] = [
            who(h.member) for h in trust_role_holders(ctx.session, trust.id)
        ]
        reply.text(bold(_("Trust admins")))
        if admins:
            reply.items(admins)
        else:
            reply.text(_("No one yet: admin grant MEMBER trust-admin makes one."))
    return reply.note(
        _(
            "Trust admins see each school's report totals (hours, activities, how many are "
            "quiet, training counts), never a member's name or record."
        )
    )
