"""Lesson study: a group in a community plans a research lesson, one of them teaches it, the
others observe it with the same focus, and everyone is prompted to discuss it afterwards.

The teacher opens the study, so nobody is observed without having asked for it. Each colleague
joins as an observer themselves; joining makes their observation of the lesson, with the same
reminders, notes and privacy as any other observation (the notes go to the teacher alone).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.communities.channels import post_to_channels
from core.communities.membership import require_role
from core.communities.models import Community, CommunityMember, MembershipStatus, Role
from core.delivery.models import Schedule
from core.delivery.schedules import cancel_schedule, create_schedule
from core.errors import NotFound, PermissionDenied, UserError
from core.i18n import _
from core.observation.models import (
    OPEN,
    LessonStudy,
    Observation,
    ObservationStatus,
)
from core.observation.replies import (
    joined_notice,
    left_notice,
    speaking_to,
    study_cancelled_notice,
    study_invitation,
)
from core.observation.service import (
    cancel_reminders,
    check_when,
    schedule_reminders,
    tell,
)

DISCUSSION_KIND = "observation.study_discussion"
DISCUSS_AFTER = timedelta(hours=2)
"""The group is prompted to discuss the lesson this long after it starts."""


def get_study(session: Session, study_id: int, member_id: int) -> tuple[LessonStudy, Community]:
    """A lesson study of a community the member belongs to; else "not found", so ids of other
    communities' studies reveal nothing."""
    study = session.get(LessonStudy, study_id)
    community = session.get(Community, study.community_id) if study is not None else None
    if study is None or community is None or not _is_member(session, community, member_id):
        raise NotFound(
            _(
                "There is no lesson study {id} in your communities. See them with "
                "observe study list.",
                id=study_id,
            )
        )
    return study, community


def _is_member(session: Session, community: Community, member_id: int) -> bool:
    return (
        session.exec(
            select(CommunityMember.id).where(
                CommunityMember.community_id == community.id,
                CommunityMember.member_id == member_id,
                CommunityMember.status == MembershipStatus.ACTIVE,
            )
        ).first()
        is not None
    )


def observations_of(session: Session, study_id: int) -> list[Observation]:
    """The observers' observations that still stand, in the order they joined."""
    return list(
        session.exec(
            select(Observation)
            .where(
                Observation.study_id == study_id,
                col(Observation.status).not_in(
                    (ObservationStatus.CANCELLED, ObservationStatus.DECLINED)
                ),
            )
            .order_by(col(Observation.id))
        )
    )


def observers(session: Session, study_id: int) -> list[int]:
    return [o.observer_id for o in observations_of(session, study_id) if o.observer_id is not None]


def create_study(
    session: Session,
    community: Community,
    *,
    teacher_id: int,
    focus: str,
    at: datetime,
    lesson: str | None,
    plan_url: str | None,
    now: datetime,
    install_language: str | None = None,
) -> LessonStudy:
    """Open a study of a lesson the creator teaches, and invite the community's channels."""
    require_role(session, community, teacher_id, Role.MEMBER)
    check_when(at, now)
    assert community.id is not None
    study = LessonStudy(
        community_id=community.id,
        teacher_id=teacher_id,
        focus=" ".join(focus.split()),
        lesson=" ".join(lesson.split()) if lesson else None,
        plan_url=plan_url,
        at=at,
        created_at=now,
    )
    session.add(study)
    session.flush()
    assert study.id is not None
    create_schedule(
        session,
        kind=DISCUSSION_KIND,
        now=now,
        recurrence={"type": "once", "at": (at + DISCUSS_AFTER).isoformat()},
        timezone="UTC",
        community_id=community.id,
        subject_id=study.id,
        follow_member_timezone=False,
    )
    post_to_channels(
        session,
        community,
        key=f"observation.study:{study.id}",
        reply=lambda: study_invitation(session, study, community),
        now=now,
        about=(teacher_id,),
        install_language=install_language,
    )
    return study


def join_study(session: Session, study_id: int, member_id: int, now: datetime) -> Observation:
    """Join as an observer: this makes the member's observation of the research lesson."""
    study, community = get_study(session, study_id, member_id)
    if study.cancelled_at is not None:
        raise UserError(_("Lesson study {id} was cancelled.", id=study_id))
    if study.at <= now:
        raise UserError(_("The research lesson of study {id} has already begun.", id=study_id))
    if member_id == study.teacher_id:
        raise UserError(_("You teach this lesson; your colleagues join to observe it."))
    if member_id in observers(session, study_id):
        raise UserError(_("You already observe lesson study {id}.", id=study_id))
    observation = Observation(
        observed_id=study.teacher_id,
        observer_id=member_id,
        study_id=study.id,
        # The teacher asked for observers by opening the study: joining is the answer.
        asked_by_observed=True,
        status=ObservationStatus.ACCEPTED,
        focus=study.focus,
        lesson=study.lesson,
        at=study.at,
        created_at=now,
        answered_at=now,
    )
    session.add(observation)
    session.flush()
    schedule_reminders(session, observation, now)
    count = len(observers(session, study_id))
    with speaking_to(session, study.teacher_id):
        notice = joined_notice(session, community, by=member_id, count=count)
    tell(
        session,
        study.teacher_id,
        f"observation.study.joined:{study_id}:{member_id}",
        notice,
        now,
        about=(member_id,),
    )
    return observation


def leave_study(session: Session, study_id: int, member_id: int, now: datetime) -> None:
    """An observer steps out; their observation is called off and the teacher is told."""
    study, _community = get_study(session, study_id, member_id)
    mine = [o for o in observations_of(session, study_id) if o.observer_id == member_id]
    if not mine:
        raise UserError(_("You do not observe lesson study {id}.", id=study_id))
    for observation in mine:
        if observation.status in OPEN:
            observation.status = ObservationStatus.CANCELLED
            session.add(observation)
            assert observation.id is not None
            cancel_reminders(session, observation.id)
    with speaking_to(session, study.teacher_id):
        notice = left_notice(session, by=member_id)
    tell(
        session,
        study.teacher_id,
        f"observation.study.left:{study_id}:{member_id}:{now.isoformat()}",
        notice,
        now,
        about=(member_id,),
    )
    session.flush()


def cancel_study(session: Session, study_id: int, member_id: int, now: datetime) -> int:
    """The teacher calls it off: every observation in it stops and each observer is told.
    Returns how many observers were told."""
    study, community = get_study(session, study_id, member_id)
    if member_id != study.teacher_id:
        raise PermissionDenied(_("Only the teacher of the research lesson can cancel the study."))
    if study.cancelled_at is not None:
        raise UserError(_("Lesson study {id} is already cancelled.", id=study_id))
    study.cancelled_at = now
    session.add(study)
    stop_discussion(session, study_id)
    told = 0
    for observation in observations_of(session, study_id):
        if observation.status in OPEN and observation.observer_id is not None:
            observation.status = ObservationStatus.CANCELLED
            session.add(observation)
            assert observation.id is not None
            cancel_reminders(session, observation.id)
            with speaking_to(session, observation.observer_id):
                notice = study_cancelled_notice(study, community)
            tell(
                session,
                observation.observer_id,
                f"observation.study.cancelled:{study_id}:{observation.observer_id}",
                notice,
                now,
                about=(member_id,),
            )
            told += 1
    session.flush()
    return told


def stop_discussion(session: Session, study_id: int) -> None:
    for schedule in session.exec(
        select(Schedule).where(Schedule.kind == DISCUSSION_KIND, Schedule.subject_id == study_id)
    ):
        cancel_schedule(session, schedule)


def studies_for(session: Session, member_id: int, now: datetime) -> list[LessonStudy]:
    """Studies not cancelled in the member's communities, the next lesson first (and those of
    the last two weeks, whose discussion may still be going on)."""
    communities = select(CommunityMember.community_id).where(
        CommunityMember.member_id == member_id,
        CommunityMember.status == MembershipStatus.ACTIVE,
    )
    return list(
        session.exec(
            select(LessonStudy)
            .where(
                col(LessonStudy.community_id).in_(communities),
                col(LessonStudy.cancelled_at).is_(None),
                LessonStudy.at >= now - timedelta(days=14),
            )
            .order_by(col(LessonStudy.at), col(LessonStudy.id))
        )
    )
