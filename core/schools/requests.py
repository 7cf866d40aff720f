"""CPD requests: a member asks to go on some CPD; their line manager, or the school's CPD leads
when they have none, approve or decline it; after the day the member logs it with its impact.

Who may answer is decided here and nowhere else: the line manager named on the request, or,
when none was, any CPD lead or school admin of the school other than the member themselves.
To anyone else a request does not exist (the same answer as a wrong number), so a forged or
forwarded button press learns nothing. Only ids go in keys and button commands; the request's
words travel in the outbox payload, which names the member it is about.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, and_, col, or_, select

from core.cpd.models import CpdActivity
from core.cpd.service import ActivityInput, log_activity
from core.delivery.outbox import enqueue
from core.errors import NotFound, UserError
from core.i18n import _
from core.identity.models import Member
from core.reply import Reply
from core.schools.models import CpdRequest, RequestStatus, School, SchoolRole
from core.schools.reminders import ask_for_impact, stop_asking_for_impact
from core.schools.service import LEADS, in_school, membership_of

OPEN = (RequestStatus.PENDING, RequestStatus.APPROVED)
"""Requests that can still be cancelled."""


def manager_of(session: Session, member_id: int) -> Member | None:
    """The member's line manager, while both are in the same school."""
    found = membership_of(session, member_id)
    if found is None or found.manager_id is None:
        return None
    if not in_school(session, found.school_id, found.manager_id):
        return None
    return session.get(Member, found.manager_id)


def set_manager(session: Session, school: School, member_id: int, manager: Member | None) -> None:
    """Name (or, with None, forget) the member's line manager: someone else in their school."""
    found = membership_of(session, member_id)
    assert found is not None and school.id is not None
    if manager is not None:
        if manager.id == member_id:
            raise UserError(_("Your line manager is someone else: name them with @name or #id."))
        if manager.id is None or not in_school(session, school.id, manager.id):
            raise NotFound(
                _(
                    "{name} is not a member of {school}. Your line manager must be in your "
                    "school; they join with school join CODE.",
                    name=manager.display_name,
                    school=school.name,
                )
            )
    found.manager_id = manager.id if manager is not None else None
    session.add(found)
    session.flush()


def leads_of(session: Session, school_id: int, *, besides: int | None = None) -> list[int]:
    """The school's CPD leads and school admins (each once), oldest grant first."""
    ids: list[int] = []
    for member_id in session.exec(
        select(SchoolRole.member_id)
        .where(SchoolRole.school_id == school_id, col(SchoolRole.role).in_(list(LEADS)))
        .order_by(col(SchoolRole.id))
    ):
        if member_id not in ids and member_id != besides:
            ids.append(member_id)
    return ids


def approvers_of(session: Session, request: CpdRequest) -> list[int]:
    """Who may answer the request now: its line manager while they are still at the school,
    else the school's leads."""
    if request.approver_id is not None and in_school(
        session, request.school_id, request.approver_id
    ):
        return [request.approver_id]
    return leads_of(session, request.school_id, besides=request.member_id)


def create_request(
    session: Session,
    school: School,
    member_id: int,
    *,
    title: str,
    day: date,
    cost: float | None,
    provider: str | None,
    reason: str,
    today: date,
    now: datetime,
) -> CpdRequest:
    """A new request, routed to the member's line manager, or to the school's leads."""
    assert school.id is not None
    if day < today:
        raise UserError(
            _(
                "{day} has already passed. Ask before the CPD; to record CPD you have done, "
                "use cpd log.",
                day=day.isoformat(),
            )
        )
    manager = manager_of(session, member_id)
    request = CpdRequest(
        school_id=school.id,
        member_id=member_id,
        title=" ".join(title.split()),
        day=day,
        cost=cost,
        provider=" ".join((provider or "").split()) or None,
        reason=reason.strip(),
        approver_id=manager.id if manager is not None else None,
        created_at=now,
    )
    if not approvers_of(session, request):
        raise UserError(
            _(
                "No one at {school} can answer a CPD request yet. Name your line manager with "
                "school manager @name, or ask your school admin to make someone CPD lead.",
                school=school.name,
            )
        )
    session.add(request)
    session.flush()
    return request


def own_request(session: Session, member_id: int, request_id: int) -> CpdRequest:
    """One of the member's own requests."""
    found = session.get(CpdRequest, request_id)
    if found is None or found.member_id != member_id:
        raise _not_found(request_id)
    return found


def request_to_answer(session: Session, member_id: int, request_id: int) -> CpdRequest:
    """A request the member may answer; to anyone else it does not exist."""
    found = session.get(CpdRequest, request_id)
    if found is None or member_id not in approvers_of(session, found):
        raise _not_found(request_id)
    return found


def _not_found(request_id: int) -> NotFound:
    return NotFound(
        _(
            "There is no CPD request #{id} for you. See yours with cpd request list.",
            id=request_id,
        )
    )


def decide(
    session: Session,
    request: CpdRequest,
    by: Member,
    *,
    approve: bool,
    note: str | None,
    now: datetime,
) -> None:
    """Approve or decline a pending request and tell the member (and, when approved, ask them
    for an impact note after the day)."""
    assert request.id is not None and by.id is not None
    request.status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
    request.decided_by, request.decided_at = by.id, now
    request.decision_note = (note or "").strip() or None
    session.add(request)
    session.flush()
    member = session.get(Member, request.member_id)
    assert member is not None
    if approve:
        ask_for_impact(session, request.id, member, request.day, now)
    enqueue(
        session,
        key=f"school:cpd-request:{request.id}:decided",
        reply=decision_reply(request, by, approve),
        due_at=now,
        now=now,
        member_id=request.member_id,
        about=(by.id,),
    )


def decision_reply(request: CpdRequest, by: Member, approve: bool) -> Reply:
    """What the member is told of the answer."""
    if approve:
        reply = Reply.success(
            _("{name} approved your CPD request #{id}: ", name=by.display_name, id=request.id),
            request.title,
            _(" on {day}.", day=request.day.isoformat()),
        )
    else:
        reply = Reply.message(
            _("{name} declined your CPD request #{id}: ", name=by.display_name, id=request.id),
            request.title,
            ".",
        )
    if request.decision_note:
        reply.text(_("Their reason: "), request.decision_note)
    if approve:
        reply.note(
            _(
                "After the day I will ask what difference it made; then cpd request log {id} "
                "records it as CPD in one step.",
                id=request.id,
            )
        )
    return reply


def cancel_request(session: Session, request: CpdRequest) -> None:
    request.status = RequestStatus.CANCELLED
    session.add(request)
    assert request.id is not None
    stop_asking_for_impact(session, request.id)
    session.flush()


def log_request(
    session: Session,
    request: CpdRequest,
    *,
    hours: float,
    category: str,
    impact: str,
    now: datetime,
    today: date,
) -> CpdActivity:
    """Turn an approved request whose day has come into a CPD activity of the member's, with
    the impact note as the activity's (private) notes."""
    assert request.id is not None
    if request.status != RequestStatus.APPROVED:
        raise UserError(
            _(
                "CPD request #{id} is {status}; only an approved request can be logged.",
                id=request.id,
                status=status_word(request.status),
            )
        )
    if request.day > today:
        raise UserError(
            _(
                "{title} is on {day}. Log it once it has happened.",
                title=request.title,
                day=request.day.isoformat(),
            )
        )
    activity = log_activity(
        session,
        request.member_id,
        ActivityInput(
            hours=hours,
            title=request.title,
            category=category,
            day=request.day,
            provider=request.provider,
            notes=impact,
        ),
        now=now,
        today=today,
    )
    request.status, request.activity_id = RequestStatus.LOGGED, activity.id
    session.add(request)
    stop_asking_for_impact(session, request.id)
    session.flush()
    return activity


def requests_of(session: Session, member_id: int) -> list[CpdRequest]:
    """The member's own requests, newest first."""
    return list(
        session.exec(
            select(CpdRequest)
            .where(CpdRequest.member_id == member_id)
            .order_by(col(CpdRequest.id).desc())
        )
    )


def waiting_for(session: Session, member_id: int) -> list[CpdRequest]:
    """Pending requests the member may answer: as someone's line manager, or as a lead of
    their school for requests that name no manager."""
    found = membership_of(session, member_id)
    leads = found is not None and member_id in leads_of(session, found.school_id)
    conditions = [col(CpdRequest.approver_id) == member_id]
    if leads and found is not None:
        conditions.append(
            and_(
                col(CpdRequest.school_id) == found.school_id,
                col(CpdRequest.approver_id).is_(None),
                col(CpdRequest.member_id) != member_id,
            )
        )
    return list(
        session.exec(
            select(CpdRequest)
            .where(CpdRequest.status == RequestStatus.PENDING, or_(*conditions))
            .order_by(col(CpdRequest.id))
        )
    )


def status_word(status: str) -> str:
    return {
        RequestStatus.PENDING: _("waiting for an answer"),
        RequestStatus.APPROVED: _("approved"),
        RequestStatus.DECLINED: _("declined"),
        RequestStatus.CANCELLED: _("cancelled"),
        RequestStatus.LOGGED: _("logged as CPD"),
    }[RequestStatus(status)]
