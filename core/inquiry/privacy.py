"""The inquiry feature's part in ``privacy export``, ``privacy delete`` and account merging.

What a member holds here: the inquiries they lead, the ones they take part in (with the CPD
activity they logged for each), the evidence they posted (with the references to the files they
attached: Staffroom never held the files themselves, which stay on the member's platform), and
the findings they published.

Deleting a member removes their posts with their files' references, their memberships and their
stage prompts, and blanks the
findings they published (their words; the resources feature removes the resource they shared).
An inquiry they lead is the group's work as well as theirs, so it is not deleted while anyone
else has a stake in it: it is handed to the member who joined it next, as when a lead leaves;
with no one left to take it but other people's posts still in it, it is kept with no lead (the
next person to join leads it); only an inquiry that holds nothing of anyone else is deleted.

Merging two accounts of one person moves everything to the member kept (a file's reference
still names the platform that keeps it); an inquiry both took
part in keeps one membership (and one CPD activity), and one prompt per stage.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from core.delivery.models import Schedule
from core.delivery.outbox import withdraw_unsent
from core.identity.models import Member
from core.inquiry.models import Inquiry, InquiryFile, InquiryMember, InquiryPost
from core.inquiry.schedules import PROMPT_KIND, drop_prompts, retime_prompt
from core.inquiry.service import delete_inquiry, files_of, membership_of, next_lead


class InquiryData:
    """Inquiries led, memberships, posts and published findings."""

    name = "inquiry"

    def export(self, session: Session, member_id: int) -> dict[str, Any]:
        led = session.exec(
            select(Inquiry).where(Inquiry.lead_id == member_id).order_by(col(Inquiry.id))
        ).all()
        memberships = session.exec(
            select(InquiryMember, Inquiry)
            .join(Inquiry, col(Inquiry.id) == col(InquiryMember.inquiry_id))
            .where(InquiryMember.member_id == member_id)
            .order_by(col(InquiryMember.id))
        ).all()
        posts = session.exec(
            select(InquiryPost)
            .where(InquiryPost.author_id == member_id)
            .order_by(col(InquiryPost.id))
        ).all()
        findings = session.exec(
            select(Inquiry).where(Inquiry.findings_by == member_id).order_by(col(Inquiry.id))
        ).all()
        files = files_of(session, [p.id for p in posts if p.id is not None])
        return {
            "led": [
                {
                    "id": i.id,
                    "community_id": i.community_id,
                    "question": i.question,
                    "stage": i.stage,
                    "ends_on": i.ends_on.isoformat() if i.ends_on else None,
                    "created_at": i.created_at.isoformat(),
                }
                for i in led
            ],
            "memberships": [
                {
                    "inquiry_id": row.inquiry_id,
                    "question": inquiry.question,
                    "joined_at": row.joined_at.isoformat(),
                    "cpd_activity_id": row.cpd_activity_id,
                }
                for row, inquiry in memberships
            ],
            "posts": [
                {
                    "id": p.id,
                    "inquiry_id": p.inquiry_id,
                    "stage": p.stage,
                    "text": p.text,
                    "link": p.link,
                    "created_at": p.created_at.isoformat(),
                    "edited_at": p.edited_at.isoformat() if p.edited_at else None,
                    "files": [
                        {
                            "name": f.name,
                            "size": f.size,
                            "content_type": f.content_type,
                            "platform": f.platform,
                            "ref": f.ref,
                            "url": f.url,
                        }
                        for f in files.get(p.id or 0, [])
                    ],
                }
                for p in posts
            ],
            "findings_published": [
                {
                    "inquiry_id": i.id,
                    "question": i.question,
                    "findings": i.findings,
                    "link": i.findings_link,
                    "published_at": i.findings_at.isoformat() if i.findings_at else None,
                    "resource_id": i.resource_id,
                }
                for i in findings
            ],
        }

    def delete(self, session: Session, member_id: int) -> None:
        for attached in session.exec(select(InquiryFile).where(InquiryFile.member_id == member_id)):
            session.delete(attached)
        session.flush()
        for post in session.exec(select(InquiryPost).where(InquiryPost.author_id == member_id)):
            session.delete(post)
        for inquiry in session.exec(select(Inquiry).where(Inquiry.findings_by == member_id)):
            inquiry.findings, inquiry.findings_link = "", None
            inquiry.findings_by, inquiry.resource_id = None, None
            session.add(inquiry)
        session.flush()
        for inquiry in session.exec(select(Inquiry).where(Inquiry.lead_id == member_id)).all():
            assert inquiry.id is not None
            successor = next_lead(session, inquiry.id, member_id)
            if successor is not None or _others_posted(session, inquiry.id, member_id):
                inquiry.lead_id = successor
                session.add(inquiry)
            else:
                delete_inquiry(session, inquiry)
        for row in session.exec(
            select(InquiryMember).where(InquiryMember.member_id == member_id)
        ).all():
            drop_prompts(session, row.inquiry_id, member_id)
            session.delete(row)
        session.flush()

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        for row in session.exec(
            select(InquiryMember).where(InquiryMember.member_id == source_id)
        ).all():
            kept = membership_of(session, row.inquiry_id, target_id)
            if kept is None:
                row.member_id = target_id
                session.add(row)
                continue
            if kept.cpd_activity_id is None:
                kept.cpd_activity_id = row.cpd_activity_id
                session.add(kept)
            session.delete(row)
        for post in session.exec(select(InquiryPost).where(InquiryPost.author_id == source_id)):
            post.author_id = target_id
            session.add(post)
        for attached in session.exec(select(InquiryFile).where(InquiryFile.member_id == source_id)):
            attached.member_id = target_id
            session.add(attached)
        for inquiry in session.exec(select(Inquiry).where(Inquiry.lead_id == source_id)):
            inquiry.lead_id = target_id
            session.add(inquiry)
        for inquiry in session.exec(select(Inquiry).where(Inquiry.findings_by == source_id)):
            inquiry.findings_by = target_id
            session.add(inquiry)
        session.flush()
        _merge_prompts(session, source_id, target_id)


def _others_posted(session: Session, inquiry_id: int, member_id: int) -> bool:
    return (
        session.exec(
            select(InquiryPost.id).where(
                InquiryPost.inquiry_id == inquiry_id, InquiryPost.author_id != member_id
            )
        ).first()
        is not None
    )


def _merge_prompts(session: Session, source_id: int, target_id: int) -> None:
    """One prompt per inquiry, stage and member: the kept member's own, else the other
    account's, moved to the kept member's timezone."""
    target = session.get(Member, target_id)

    def key(schedule: Schedule) -> tuple[int, str]:
        return schedule.subject_id or 0, str(schedule.payload.get("stage"))

    mine = {
        key(s)
        for s in session.exec(
            select(Schedule).where(Schedule.kind == PROMPT_KIND, Schedule.member_id == target_id)
        )
    }
    for schedule in session.exec(
        select(Schedule).where(Schedule.kind == PROMPT_KIND, Schedule.member_id == source_id)
    ).all():
        if key(schedule) in mine:
            withdraw_unsent(session, f"{schedule.id}:")
            session.delete(schedule)
            continue
        schedule.member_id = target_id
        if target is not None:
            retime_prompt(session, schedule, target.timezone)
        session.add(schedule)
    session.flush()


INQUIRY_DATA = InquiryData()
