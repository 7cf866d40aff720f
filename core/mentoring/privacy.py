"""Mentoring's part in ``privacy export``, ``privacy delete`` and account merging."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, or_, select

from core.mentoring.models import (
    CoffeeParticipant,
    CoffeeRotation,
    CoffeeRound,
    CoffeeSeat,
    MatchStatus,
    MentorMatch,
    MentorNote,
    MentorOffer,
    MentorRequest,
    MentorRound,
    RequestStatus,
)
from core.mentoring.pairs import cancel_checkins
from core.mentoring.replies import name_of


def _dump(row: Any, *exclude: str) -> dict[str, Any]:
    data: dict[str, Any] = row.model_dump(mode="json", exclude={"member_id", *exclude})
    return data


class MentoringData:
    """Offers, requests, matches, notes and coffee history of one member."""

    name = "mentoring"

    def export(self, session: Session, member_id: int) -> dict[str, Any]:
        matches = []
        for match in _matches(session, member_id):
            as_mentor = match.mentor_id == member_id
            other = match.mentee_id if as_mentor else match.mentor_id
            mutual = match.status in (MatchStatus.ACTIVE, MatchStatus.COMPLETED)
            matches.append(
                {
                    "id": match.id,
                    "role": "mentor" if as_mentor else "mentee",
                    # The other side's name only once both agreed; never their contacts,
                    # notes, feedback, or whether they declined.
                    "with": name_of(session, other) if mutual else None,
                    "status": match.status,
                    "score": match.score,
                    "reasons": match.reasons,
                    "you_accepted_at": _iso(
                        match.mentor_accepted_at if as_mentor else match.mentee_accepted_at
                    ),
                    "you_declined": match.declined_by == member_id,
                    "proposed_at": _iso(match.proposed_at),
                    "activated_at": _iso(match.activated_at),
                    "ended_at": _iso(match.ended_at),
                }
            )
        seats = session.exec(
            select(CoffeeSeat, CoffeeRound)
            .join(CoffeeRound, col(CoffeeRound.id) == CoffeeSeat.round_id)
            .where(CoffeeSeat.member_id == member_id)
        ).all()
        return {
            "offer": [_dump(o) for o in _rows(session, MentorOffer, member_id)],
            "requests": [_dump(r) for r in _rows(session, MentorRequest, member_id)],
            "matches": matches,
            "notes": [_dump(n) for n in _rows(session, MentorNote, member_id)],
            "coffee_rotations": [
                {
                    **_dump(p),
                    "community_id": _community_of(session, p.rotation_id),
                }
                for p in _rows(session, CoffeeParticipant, member_id)
            ],
            "coffee_rounds": [
                {
                    "round": r.id,
                    "number": r.number,
                    "at": _iso(r.at),
                    "met": s.met,
                    "answered_at": _iso(s.answered_at),
                }
                for s, r in seats
            ],
        }

    def delete(self, session: Session, member_id: int) -> None:
        for match in _matches(session, member_id):
            request = session.get(MentorRequest, match.request_id) if match.request_id else None
            if (
                request is not None
                and request.member_id != member_id
                and match.status in (MatchStatus.PROPOSED, MatchStatus.ACTIVE)
            ):
                # The mentor left Staffroom: their mentee still wants a mentor.
                request.status = RequestStatus.OPEN
                session.add(request)
            cancel_checkins(session, match)  # the other side's check-ins too
            for note in session.exec(select(MentorNote).where(MentorNote.match_id == match.id)):
                session.delete(note)
            session.delete(match)
        for model in (MentorNote, MentorRequest, MentorOffer, CoffeeSeat, CoffeeParticipant):
            for row in _rows(session, model, member_id):
                session.delete(row)
        for match in session.exec(select(MentorMatch).where(MentorMatch.declined_by == member_id)):
            match.declined_by = None
            session.add(match)
        for round_ in session.exec(select(MentorRound).where(MentorRound.run_by == member_id)):
            round_.run_by = None
            session.add(round_)

    def merge(self, session: Session, source_id: int, target_id: int) -> None:
        self._merge_offer(session, source_id, target_id)
        for request in _rows(session, MentorRequest, source_id):
            request.member_id = target_id
            session.add(request)
        for match in _matches(session, source_id):
            if match.mentor_id == source_id:
                match.mentor_id = target_id
            if match.mentee_id == source_id:
                match.mentee_id = target_id
            if match.mentor_id == match.mentee_id:
                # The person was proposed to themself under two accounts: that pair is void.
                cancel_checkins(session, match)
                for note in session.exec(select(MentorNote).where(MentorNote.match_id == match.id)):
                    session.delete(note)
                session.delete(match)
                continue
            if match.declined_by == source_id:
                match.declined_by = target_id
            session.add(match)
        for note in _rows(session, MentorNote, source_id):
            note.member_id = target_id
            session.add(note)
        for round_ in session.exec(select(MentorRound).where(MentorRound.run_by == source_id)):
            round_.run_by = target_id
            session.add(round_)
        for model in (CoffeeParticipant, CoffeeSeat):
            for row in _rows(session, model, source_id):
                clash = session.exec(
                    select(model).where(
                        model.member_id == target_id,
                        *(
                            [model.rotation_id == row.rotation_id]  # type: ignore[union-attr]
                            if isinstance(row, CoffeeParticipant)
                            else [model.round_id == row.round_id]  # type: ignore[union-attr]
                        ),
                    )
                ).first()
                if clash is not None:
                    session.delete(row)
                else:
                    row.member_id = target_id
                    session.add(row)

    def _merge_offer(self, session: Session, source_id: int, target_id: int) -> None:
        source = session.exec(select(MentorOffer).where(MentorOffer.member_id == source_id)).first()
        if source is None:
            return
        target = session.exec(select(MentorOffer).where(MentorOffer.member_id == target_id)).first()
        if target is None:
            source.member_id = target_id
            session.add(source)
            return
        target.capacity = max(target.capacity, source.capacity)
        target.topics = list(dict.fromkeys([*target.topics, *source.topics]))
        target.active = target.active or source.active
        session.add(target)
        session.delete(source)
        session.flush()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _rows(session: Session, model: Any, member_id: int) -> list[Any]:
    return list(session.exec(select(model).where(model.member_id == member_id)))


def _matches(session: Session, member_id: int) -> list[MentorMatch]:
    return list(
        session.exec(
            select(MentorMatch).where(
                or_(MentorMatch.mentor_id == member_id, MentorMatch.mentee_id == member_id)
            )
        )
    )


def _community_of(session: Session, rotation_id: int) -> int | None:
    rotation = session.get(CoffeeRotation, rotation_id)
    return rotation.community_id if rotation else None


MENTORING_DATA = MentoringData()
