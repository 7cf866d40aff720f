"""Collaborative inquiries: who may start, join, post to, steer and publish one.

Choices made here, for the teachers who use it:

- An inquiry belongs to one community. Active members of the community start and join
  inquiries; anyone who can see inside the community (everyone for an open one, members for an
  approval-only one) sees an inquiry's question, stages and findings. The evidence members post
  is for the inquiry's own members only.
- The lead (who started it, or whom it was handed to) sets the stages, edits, deletes and
  publishes the findings; members post evidence and can correct or remove their own posts at any
  time, even after leaving. A lead who leaves hands the inquiry to the member who joined next.
- A post is a note, a link, files, or any of them together (never none). A file is kept as a
  reference to where the member's platform keeps it (its name, size, type and link), never its
  bytes: removing it from the platform removes it from the evidence too, and its link opens for
  whoever the platform lets see it.
- Starting the same inquiry again at once (the same question in the same community by the same
  lead within :data:`REPEAT_WINDOW`) is the first request sent twice, after a lost answer: it
  gives back the inquiry already started rather than a second one.
- After its end date an inquiry takes no new members or posts, but the findings can still be
  written up and published; once published, the inquiry is finished.
- Publishing findings posts them to the community's bound channels and shares them as a
  resource tagged ``inquiry`` (searchable with ``resource search``), and offers each member a
  "Log as CPD" button, logged once per member and inquiry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.communities.channels import post_to_channels
from core.communities.membership import can_see_inside, require_role
from core.communities.models import Community, CommunityMember, MembershipStatus, Role
from core.delivery.outbox import enqueue, withdraw_unsent
from core.errors import NotFound, PermissionDenied, UserError
from core.i18n import _, language
from core.identity.models import Member
from core.inquiry.models import (
    FINDINGS_LENGTH,
    POST_LENGTH,
    QUESTION_LENGTH,
    Inquiry,
    InquiryFile,
    InquiryMember,
    InquiryPost,
    InquiryStage,
    Stage,
)
from core.inquiry.schedules import drop_prompts, sync_prompts
from core.invocation import AttachedFile
from core.params import BadValue
from core.reply import Reply, bold
from core.resources.models import Resource
from core.resources.service import delete_resource, share_resource

NoticeBuilder = Callable[[Member], Reply]
"""Builds one member's copy of a notice, in their language."""

REPEAT_WINDOW = timedelta(minutes=5)
"""The same inquiry started again by its lead within this window is the first one sent twice."""

TAGS = ["inquiry", "action-research"]
"""The findings resource's tags: ``resource search #inquiry`` finds every inquiry's findings."""


def notice_key(inquiry_id: int) -> str:
    """The outbox key prefix of every one-off message about the inquiry (withdrawn with it)."""
    return f"inquiry:{inquiry_id}:"


def internal_url(inquiry_id: int) -> str:
    """The address of findings published without a link of their own: it names the inquiry, so
    ``inquiry show`` finds it (a resource needs an address, and is unique by it)."""
    return f"staffroom:inquiry/{inquiry_id}"


# Finding and checking ------------------------------------------------------------------------


def _no_such(inquiry_id: int) -> NotFound:
    return NotFound(
        _(
            "There is no inquiry #{id} that you can see. See yours with inquiry list.",
            id=inquiry_id,
        )
    )


def visible_inquiry(session: Session, inquiry_id: int, viewer_id: int) -> tuple[Inquiry, Community]:
    """The inquiry and its community, if the viewer may see inside the community (else the same
    NotFound as for one that does not exist, so ids reveal nothing of private communities)."""
    inquiry = session.get(Inquiry, inquiry_id)
    community = session.get(Community, inquiry.community_id) if inquiry is not None else None
    if inquiry is None or community is None or not can_see_inside(session, community, viewer_id):
        raise _no_such(inquiry_id)
    return inquiry, community


def membership_of(session: Session, inquiry_id: int, member_id: int) -> InquiryMember | None:
    return session.exec(
        select(InquiryMember).where(
            InquiryMember.inquiry_id == inquiry_id, InquiryMember.member_id == member_id
        )
    ).first()


def is_member(session: Session, inquiry: Inquiry, member_id: int) -> bool:
    assert inquiry.id is not None
    return membership_of(session, inquiry.id, member_id) is not None


def require_member(session: Session, inquiry: Inquiry, member_id: int) -> InquiryMember:
    """Refuse someone who is not taking part, saying how to join."""
    assert inquiry.id is not None
    found = membership_of(session, inquiry.id, member_id)
    if found is None:
        raise PermissionDenied(
            _(
                "You are not taking part in inquiry #{id}. Join it first with inquiry join {id}.",
                id=inquiry.id,
            )
        )
    return found


def require_lead(session: Session, inquiry: Inquiry, member_id: int) -> None:
    if inquiry.lead_id != member_id:
        lead = session.get(Member, inquiry.lead_id) if inquiry.lead_id else None
        raise PermissionDenied(
            _(
                "Only the lead of inquiry #{id} ({name}) can do that.",
                id=inquiry.id,
                name=lead.display_name if lead else _("no one yet"),
            )
        )


def today_for(member: Member, now: datetime) -> date:
    return now.astimezone(ZoneInfo(member.timezone)).date()


def require_open(inquiry: Inquiry, today: date) -> None:
    """Refuse what only an inquiry still running takes (joining, posting)."""
    if inquiry.findings_at is not None:
        raise UserError(
            _(
                "Inquiry #{id} is finished: its findings are published. See them with "
                "inquiry show {id}.",
                id=inquiry.id,
            )
        )
    if inquiry.ends_on is not None and inquiry.ends_on < today:
        raise UserError(
            _(
                "Inquiry #{id} ended on {day}, so it takes no new members or posts. Its lead "
                "can extend it with inquiry edit {id} ends=DATE.",
                id=inquiry.id,
                day=inquiry.ends_on.isoformat(),
            )
        )


def _clean(text: str) -> str:
    return " ".join(text.split())


def _check_question(question: str) -> str:
    question = _clean(question)
    if sum(c.isalnum() for c in question) < 3:
        raise BadValue(
            _('Give the question in quotes, like "How do retrieval starters affect Y9 recall?"'),
            "question",
        )
    if len(question) > QUESTION_LENGTH:
        raise BadValue(
            _("The question can be at most {limit} characters.", limit=QUESTION_LENGTH),
            "question",
        )
    return question


def _check_ends(ends_on: date, today: date) -> date:
    if ends_on < today:
        raise BadValue(_("ends is in the past. Give a day still to come, like 2027-03-31."), "ends")
    return ends_on


# Creating, joining, leaving --------------------------------------------------------------------


def create_inquiry(
    session: Session,
    community: Community,
    *,
    lead: Member,
    question: str,
    ends_on: date | None,
    now: datetime,
    install_language: str | None = None,
) -> Inquiry:
    """A new inquiry in the community (its active members), led by its creator, who takes part;
    its question stage starts today, and the community's channels hear about it. The same one
    started again within :data:`REPEAT_WINDOW` is the one already started."""
    assert community.id is not None and lead.id is not None
    require_role(session, community, lead.id, Role.MEMBER)
    today = today_for(lead, now)
    question = _check_question(question)
    repeat = session.exec(
        select(Inquiry).where(
            Inquiry.community_id == community.id,
            Inquiry.lead_id == lead.id,
            Inquiry.question == question,
            col(Inquiry.findings_at).is_(None),
            col(Inquiry.created_at) >= now - REPEAT_WINDOW,
        )
    ).first()
    if repeat is not None:
        return repeat  # sent twice (a retry after a lost answer): started once
    inquiry = Inquiry(
        community_id=community.id,
        question=question,
        ends_on=_check_ends(ends_on, today) if ends_on is not None else None,
        lead_id=lead.id,
        created_at=now,
    )
    session.add(inquiry)
    session.flush()
    assert inquiry.id is not None
    session.add(InquiryMember(inquiry_id=inquiry.id, member_id=lead.id, joined_at=now))
    session.add(
        InquiryStage(inquiry_id=inquiry.id, stage=Stage.QUESTION, starts_on=today, prompt=False)
    )
    session.flush()

    def notice() -> Reply:
        # Built in the community's language (post_to_channels), not the lead's.
        posted = Reply(ephemeral=False).heading(
            _("New inquiry in {community}", community=community.name)
        )
        posted.text(bold(inquiry.question))
        posted.note(
            _("Started by {name}. Anyone in the community can join.", name=lead.display_name)
        )
        posted.action(_("Join"), f"inquiry join {inquiry.id}", "primary")
        posted.action(_("Show it"), f"inquiry show {inquiry.id}")
        return posted

    post_to_channels(
        session,
        community,
        key=f"{notice_key(inquiry.id)}created",
        reply=notice,
        now=now,
        about=(lead.id,),
        install_language=install_language,
    )
    return inquiry


def join_inquiry(
    session: Session, inquiry: Inquiry, community: Community, member: Member, now: datetime
) -> InquiryMember:
    """Take part: active members of the community may join an inquiry still running."""
    assert inquiry.id is not None and member.id is not None
    if membership_of(session, inquiry.id, member.id) is not None:
        raise UserError(_("You are already taking part in inquiry #{id}.", id=inquiry.id))
    require_open(inquiry, today_for(member, now))
    if community.id is None or _community_role(session, community.id, member.id) is None:
        raise PermissionDenied(
            _(
                "Inquiry #{id} is for members of {community}. Join the community first with "
                "community join {slug}.",
                id=inquiry.id,
                community=community.name,
                slug=community.slug,
            )
        )
    row = InquiryMember(inquiry_id=inquiry.id, member_id=member.id, joined_at=now)
    session.add(row)
    if inquiry.lead_id is None:
        # Its lead deleted their account with no one left to hand it to: the next to join leads.
        inquiry.lead_id = member.id
        session.add(inquiry)
    session.flush()
    sync_prompts(session, inquiry, now)
    return row


def _community_role(session: Session, community_id: int, member_id: int) -> str | None:
    return session.exec(
        select(CommunityMember.role).where(
            CommunityMember.community_id == community_id,
            CommunityMember.member_id == member_id,
            CommunityMember.status == MembershipStatus.ACTIVE,
        )
    ).first()


def next_lead(session: Session, inquiry_id: int, leaving_id: int) -> int | None:
    """The member who joined the inquiry earliest after (or other than) the one leaving."""
    return session.exec(
        select(InquiryMember.member_id)
        .where(InquiryMember.inquiry_id == inquiry_id, InquiryMember.member_id != leaving_id)
        .order_by(col(InquiryMember.joined_at), col(InquiryMember.id))
    ).first()


def leave_inquiry(session: Session, inquiry: Inquiry, member_id: int) -> int | None:
    """Stop taking part; a leaving lead hands the inquiry on. Returns the new lead's id, if any.
    The last member cannot leave: they delete it instead."""
    assert inquiry.id is not None
    row = require_member(session, inquiry, member_id)
    successor = None
    if inquiry.lead_id == member_id:
        successor = next_lead(session, inquiry.id, member_id)
        if successor is None:
            raise UserError(
                _(
                    "You are the only member of inquiry #{id}, so there is no one to hand it "
                    "to. Delete it instead with inquiry delete {id}.",
                    id=inquiry.id,
                )
            )
        inquiry.lead_id = successor
        session.add(inquiry)
    session.delete(row)
    session.flush()
    drop_prompts(session, inquiry.id, member_id)
    return successor


def members_of(session: Session, inquiry_id: int) -> list[tuple[InquiryMember, Member]]:
    """Who takes part, in the order they joined."""
    return list(
        session.exec(
            select(InquiryMember, Member)
            .join(Member, col(Member.id) == col(InquiryMember.member_id))
            .where(InquiryMember.inquiry_id == inquiry_id)
            .order_by(col(InquiryMember.joined_at), col(InquiryMember.id))
        ).all()
    )


def member_counts(session: Session, inquiry_ids: list[int]) -> dict[int, int]:
    rows = session.exec(
        select(InquiryMember.inquiry_id, func.count())
        .where(col(InquiryMember.inquiry_id).in_(inquiry_ids))
        .group_by(col(InquiryMember.inquiry_id))
    ).all()
    return {int(i): int(n) for i, n in rows}


@dataclass(frozen=True, slots=True)
class Listed:
    inquiry: Inquiry
    community: Community
    members: int
    taking_part: bool


def inquiries_for(session: Session, member_id: int, *, limit: int = 30) -> list[Listed]:
    """The inquiries of the member's communities and the ones they take part in: running ones
    first, newest first."""
    mine = select(InquiryMember.inquiry_id).where(InquiryMember.member_id == member_id)
    communities = select(CommunityMember.community_id).where(
        CommunityMember.member_id == member_id,
        CommunityMember.status == MembershipStatus.ACTIVE,
    )
    rows = session.exec(
        select(Inquiry, Community)
        .join(Community, col(Community.id) == col(Inquiry.community_id))
        .where(col(Inquiry.id).in_(mine) | col(Inquiry.community_id).in_(communities))
        .order_by(col(Inquiry.findings_at).is_not(None), col(Inquiry.id).desc())
        .limit(limit)
    ).all()
    visible = [(i, c) for i, c in rows if can_see_inside(session, c, member_id)]
    ids = [i.id for i, _c in visible if i.id is not None]
    counts = member_counts(session, ids)
    taking = set(session.exec(mine.where(col(InquiryMember.inquiry_id).in_(ids))).all())
    return [Listed(i, c, counts.get(i.id or 0, 0), (i.id or 0) in taking) for i, c in visible]


# Editing and deleting --------------------------------------------------------------------------


def edit_inquiry(
    session: Session,
    inquiry: Inquiry,
    *,
    by: Member,
    question: str | None,
    ends_on: date | None,
    now: datetime,
) -> bool:
    """Correct the question or move the end date (the lead). Returns whether anything changed."""
    assert by.id is not None
    require_lead(session, inquiry, by.id)
    if inquiry.findings_at is not None:
        raise UserError(_("Inquiry #{id} is finished: its findings are published.", id=inquiry.id))
    before = (inquiry.question, inquiry.ends_on)
    if question is not None:
        inquiry.question = _check_question(question)
    if ends_on is not None:
        inquiry.ends_on = _check_ends(ends_on, today_for(by, now))
    session.add(inquiry)
    session.flush()
    return (inquiry.question, inquiry.ends_on) != before


def findings_resource(session: Session, inquiry: Inquiry) -> Resource | None:
    """The resource the findings were published as, if it is still there (an id freed by its
    deletion and given to another resource since does not count)."""
    assert inquiry.id is not None
    found = session.get(Resource, inquiry.resource_id) if inquiry.resource_id else None
    if found is None or found.url not in (internal_url(inquiry.id), inquiry.findings_link):
        return None
    return found


def delete_inquiry(session: Session, inquiry: Inquiry) -> None:
    """Remove the inquiry with its stages, memberships, posts, prompts and unsent notices, and
    the resource its findings were published as (a copy of the findings)."""
    assert inquiry.id is not None
    drop_prompts(session, inquiry.id)
    withdraw_unsent(session, notice_key(inquiry.id))
    resource = findings_resource(session, inquiry)
    if resource is not None:
        delete_resource(session, resource)
    posts = select(InquiryPost.id).where(InquiryPost.inquiry_id == inquiry.id)
    for attached in session.exec(select(InquiryFile).where(col(InquiryFile.post_id).in_(posts))):
        session.delete(attached)
    for model in (InquiryPost, InquiryMember, InquiryStage):
        for row in session.exec(select(model).where(model.inquiry_id == inquiry.id)):
            session.delete(row)
    session.flush()
    session.delete(inquiry)
    session.flush()


def tell_members(
    session: Session,
    inquiry: Inquiry,
    *,
    key: str,
    now: datetime,
    build: NoticeBuilder,
    about: tuple[int, ...] = (),
    skip: int | None = None,
) -> int:
    """Queue a direct message, built in each member's own language, for every member but
    ``skip``. Returns how many were newly queued."""
    assert inquiry.id is not None
    told = 0
    for row, member in members_of(session, inquiry.id):
        if row.member_id == skip:
            continue
        with language(member.language):
            reply = build(member)
        told += (
            enqueue(
                session,
                key=f"{notice_key(inquiry.id)}{key}:{row.member_id}",
                reply=reply,
                due_at=now,
                now=now,
                member_id=row.member_id,
                about=about,
            )
            is not None
        )
    return told


# Stages ------------------------------------------------------------------------------------------


def stage_dates(session: Session, inquiry_id: int) -> dict[Stage, date]:
    """When each dated stage starts."""
    return {
        Stage(row.stage): row.starts_on
        for row in session.exec(select(InquiryStage).where(InquiryStage.inquiry_id == inquiry_id))
    }


def _date_stage(
    session: Session, inquiry_id: int, stage: Stage, day: date, *, prompt: bool
) -> None:
    row = session.exec(
        select(InquiryStage).where(
            InquiryStage.inquiry_id == inquiry_id, InquiryStage.stage == stage
        )
    ).first()
    if row is None:
        row = InquiryStage(inquiry_id=inquiry_id, stage=stage, starts_on=day)
    row.starts_on, row.prompt = day, prompt
    session.add(row)


def set_stage(
    session: Session,
    inquiry: Inquiry,
    stage: Stage,
    *,
    by: Member,
    day: date | None,
    now: datetime,
) -> bool:
    """Date a stage, or move the inquiry to it (the lead). A day still to come plans the stage:
    each member is prompted that morning. No day, or a day already here, makes it the current
    stage now. Returns whether the stage became the current one now."""
    assert inquiry.id is not None and by.id is not None
    require_lead(session, inquiry, by.id)
    if inquiry.findings_at is not None:
        raise UserError(_("Inquiry #{id} is finished: its findings are published.", id=inquiry.id))
    today = today_for(by, now)
    starts_on = day or today
    if inquiry.ends_on is not None and starts_on > inquiry.ends_on:
        raise BadValue(
            _(
                "date is after the inquiry ends ({ends}). Pick an earlier day, or move the end "
                "with inquiry edit {id} ends=DATE.",
                ends=inquiry.ends_on.isoformat(),
                id=inquiry.id,
            ),
            "date",
        )
    moved = starts_on <= today
    _date_stage(session, inquiry.id, stage, starts_on, prompt=not moved)
    if moved:
        inquiry.stage = stage
        session.add(inquiry)
    session.flush()
    sync_prompts(session, inquiry, now)
    return moved


# Evidence ---------------------------------------------------------------------------------------


def _check_post(text: str) -> str:
    text = text.strip()
    if len(text) > POST_LENGTH:
        raise BadValue(_("A post can be at most {limit} characters.", limit=POST_LENGTH), "text")
    return text


def add_post(
    session: Session,
    inquiry: Inquiry,
    author: Member,
    *,
    text: str,
    link: str | None,
    now: datetime,
    files: Sequence[AttachedFile] = (),
    platform: str = "",
) -> InquiryPost:
    """Add a note, a link or files (kept on ``platform``) as evidence (members of an inquiry
    still running); a post with none of them is refused."""
    assert inquiry.id is not None and author.id is not None
    require_member(session, inquiry, author.id)
    require_open(inquiry, today_for(author, now))
    text = _check_post(text)
    if not text and link is None and not files:
        raise BadValue(
            _(
                'Say what you noticed, like inquiry post {id} "Y9 quiz: 14 of 28 recalled all '
                'three", or send a file with the command.',
                id=inquiry.id,
            ),
            "text",
        )
    post = InquiryPost(
        inquiry_id=inquiry.id,
        author_id=author.id,
        stage=inquiry.stage,
        text=text,
        link=link,
        created_at=now,
    )
    session.add(post)
    session.flush()
    assert post.id is not None
    for attached in files:
        session.add(
            InquiryFile(
                post_id=post.id,
                member_id=author.id,
                platform=platform[:16],
                name=attached.name,
                size=attached.size,
                content_type=attached.content_type,
                ref=attached.ref,
                url=attached.url,
            )
        )
    session.flush()
    return post


def files_of(session: Session, post_ids: Sequence[int]) -> dict[int, list[InquiryFile]]:
    """The files of each post, in the order they were attached."""
    found: dict[int, list[InquiryFile]] = {}
    if not post_ids:
        return found
    for attached in session.exec(
        select(InquiryFile)
        .where(col(InquiryFile.post_id).in_(post_ids))
        .order_by(col(InquiryFile.id))
    ):
        found.setdefault(attached.post_id, []).append(attached)
    return found


def remove_post(session: Session, post: InquiryPost) -> None:
    """Remove a post with the references to its files."""
    for attached in session.exec(select(InquiryFile).where(InquiryFile.post_id == post.id)):
        session.delete(attached)
    session.flush()
    session.delete(post)
    session.flush()


def own_post(session: Session, post_id: int, member_id: int) -> InquiryPost:
    """One of the member's own posts (anyone else's reads as not there)."""
    post = session.get(InquiryPost, post_id)
    if post is None or post.author_id != member_id:
        raise NotFound(
            _(
                "You have no post #{id}. The numbers of your posts are shown by inquiry show.",
                id=post_id,
            )
        )
    return post


def correct_post(
    session: Session,
    post: InquiryPost,
    *,
    text: str | None,
    link: str | None,
    clear_link: bool,
    now: datetime,
) -> None:
    """Correct one's own post: new text, a new link, or no link."""
    if text is not None:
        post.text = _check_post(text)
    if clear_link:
        post.link = None
    elif link is not None:
        post.link = link
    post.edited_at = now
    session.add(post)
    session.flush()


def posts_of(session: Session, inquiry_id: int) -> list[tuple[InquiryPost, Member]]:
    """The inquiry's posts with their authors, oldest first."""
    return list(
        session.exec(
            select(InquiryPost, Member)
            .join(Member, col(Member.id) == col(InquiryPost.author_id))
            .where(InquiryPost.inquiry_id == inquiry_id)
            .order_by(col(InquiryPost.created_at), col(InquiryPost.id))
        ).all()
    )


def post_count(session: Session, inquiry_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(InquiryPost).where(InquiryPost.inquiry_id == inquiry_id)
    ).one()


# Findings ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Published:
    resource: Resource
    channels: int
    told: int


def publish_findings(
    session: Session,
    inquiry: Inquiry,
    community: Community,
    *,
    by: Member,
    summary: str,
    link: str | None,
    now: datetime,
    title_limit: int,
    install_language: str | None = None,
) -> Published:
    """Publish the findings (the lead, once): a resource tagged ``inquiry`` in the community, a
    post in each of its channels, and a note to every other member offering to log it as CPD.
    The inquiry is finished from then on: its share stage starts, and no more prompts come."""
    assert inquiry.id is not None and by.id is not None
    require_lead(session, inquiry, by.id)
    if inquiry.findings_at is not None:
        raise UserError(
            _(
                "The findings of inquiry #{id} are already published. See them with "
                "inquiry show {id}.",
                id=inquiry.id,
            )
        )
    summary = summary.strip()
    if len(summary) > FINDINGS_LENGTH:
        raise BadValue(
            _("The findings can be at most {limit} characters.", limit=FINDINGS_LENGTH),
            "summary",
        )
    title = _("Inquiry findings: {question}", question=inquiry.question)
    if len(title) > title_limit:
        title = title[: title_limit - 1].rstrip() + "…"
    shared = share_resource(
        session,
        member_id=by.id,
        url=link or internal_url(inquiry.id),
        title=title,
        now=now,
        tags=TAGS,
        community=community,
        description=summary,
        title_limit=title_limit,
    )
    if not shared.created and link is not None:
        # That link is already a resource (someone shared the write-up): the findings get
        # their own entry, so the summary and tags are theirs.
        shared = share_resource(
            session,
            member_id=by.id,
            url=internal_url(inquiry.id),
            title=title,
            now=now,
            tags=TAGS,
            community=community,
            description=summary,
            title_limit=title_limit,
        )
    if not shared.created:
        raise UserError(
            _("The findings of inquiry #{id} are already shared as a resource.", id=inquiry.id)
        )
    resource = shared.resource
    inquiry.findings = summary
    inquiry.findings_link = link
    inquiry.findings_by = by.id
    inquiry.findings_at = now
    inquiry.resource_id = resource.id
    inquiry.stage = Stage.SHARE
    session.add(inquiry)
    _date_stage(session, inquiry.id, Stage.SHARE, today_for(by, now), prompt=False)
    session.flush()
    sync_prompts(session, inquiry, now)

    def post() -> Reply:
        # Built in the community's language (post_to_channels), not the publisher's.
        posted = Reply(ephemeral=False).heading(
            _("Inquiry findings from {community}", community=community.name)
        )
        posted.text(bold(inquiry.question))
        posted.text(summary)
        if link:
            posted.text(link)
        posted.note(
            _(
                "Published by {name}. Find them again with resource show {id}.",
                name=by.display_name,
                id=resource.id,
            )
        )
        return posted

    channels = post_to_channels(
        session,
        community,
        key=f"{notice_key(inquiry.id)}findings-channel",
        reply=post,
        now=now,
        about=(by.id,),
        install_language=install_language,
    )

    def offer(member: Member) -> Reply:
        reply = Reply().heading(_("Findings published: inquiry #{id}", id=inquiry.id))
        reply.text(bold(inquiry.question))
        reply.text(summary)
        reply.note(
            _(
                "You took part, so you can log it as CPD: inquiry log {id} HOURS.",
                id=inquiry.id,
            )
        )
        return reply.action(_("Log as CPD"), f"inquiry log {inquiry.id}", "primary")

    told = tell_members(
        session, inquiry, key="findings-offer", now=now, build=offer, about=(by.id,), skip=by.id
    )
    session.flush()
    return Published(resource, channels, told)
