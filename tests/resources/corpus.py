"""A shared corpus of realistic resources, loaded the same way into SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from core.identity.models import Member
from core.resources.service import share_resource, vote

CORPUS: list[tuple[str, str, list[str], str, str]] = [
    # (url, title, tags, subject, description)
    (
        "https://example.org/exit-tickets",
        "Exit ticket templates for every lesson",
        ["assessment", "afl"],
        "",
        "Five printable exit tickets to check understanding at the end.",
    ),
    (
        "https://example.org/hinge-questions",
        "Writing good hinge questions",
        ["assessment", "questioning"],
        "",
        "How to design a multiple-choice hinge question mid-lesson.",
    ),
    (
        "https://example.org/retrieval-grids",
        "Retrieval practice grids",
        ["retrieval", "memory"],
        "",
        "Low-stakes quizzing grids mixing last lesson, last week, last term.",
    ),
    (
        "https://example.org/spaced-practice",
        "Spaced practice planner for homework",
        ["retrieval", "homework"],
        "",
        "Spread homework questions out over weeks to beat forgetting.",
    ),
    (
        "https://example.org/fraction-walls",
        "Fraction walls and bar models",
        ["fractions", "ks2"],
        "maths",
        "Printable fraction walls; bar models for comparing fractions.",
    ),
    (
        "https://example.org/times-tables",
        "Times tables fluency games",
        ["multiplication", "ks2"],
        "maths",
        "Ten-minute games for multiplication fact recall.",
    ),
    (
        "https://example.org/algebra-tiles",
        "Algebra tiles for expanding brackets",
        ["algebra", "ks3"],
        "maths",
        "Manipulatives to make expanding and factorising visible.",
    ),
    (
        "https://example.org/phonics-phase3",
        "Phase 3 phonics flashcards",
        ["phonics", "eyfs"],
        "english",
        "Grapheme flashcards and a blending routine for reception.",
    ),
    (
        "https://example.org/reading-fluency",
        "Reading fluency: echo and choral reading",
        ["reading", "fluency"],
        "english",
        "Routines for building prosody with whole-class texts.",
    ),
    (
        "https://example.org/vocab-tier2",
        "Teaching tier 2 vocabulary explicitly",
        ["vocabulary", "reading"],
        "english",
        "Select, explain and practise academic words in context.",
    ),
    (
        "https://example.org/essay-feedback",
        "Whole-class feedback sheet for essays",
        ["feedback", "marking"],
        "english",
        "Cut marking time: one sheet, common errors, model sentences.",
    ),
    (
        "https://example.org/live-marking",
        "Live marking with a visualiser",
        ["feedback", "modelling"],
        "",
        "Mark work under the visualiser so students see the thinking.",
    ),
    (
        "https://example.org/behaviour-routines",
        "Entry routines that calm a class",
        ["behaviour", "routines"],
        "",
        "Meet at the door, do-now task, consistent first five minutes.",
    ),
    (
        "https://example.org/restorative",
        "Restorative conversations after an incident",
        ["behaviour", "pastoral"],
        "",
        "A script for repairing relationships after a behaviour incident.",
    ),
    (
        "https://example.org/seating-plans",
        "Seating plans that support learning",
        ["behaviour", "classroom"],
        "",
        "Use seating plans to manage talk partners and support needs.",
    ),
    (
        "https://example.org/send-scaffolds",
        "Scaffolds for pupils with SEND",
        ["send", "inclusion"],
        "",
        "Sentence stems, word banks and chunked instructions.",
    ),
    (
        "https://example.org/eal-visuals",
        "Visual supports for EAL learners",
        ["eal", "inclusion"],
        "",
        "Picture glossaries and dual-language key word mats.",
    ),
    (
        "https://example.org/photosynthesis",
        "Photosynthesis practical with pondweed",
        ["practical", "biology"],
        "science",
        "Count oxygen bubbles at different light intensities.",
    ),
    (
        "https://example.org/electric-circuits",
        "Electric circuits misconceptions quiz",
        ["physics", "misconceptions"],
        "science",
        "Diagnostic questions on current and voltage.",
    ),
    (
        "https://example.org/periodic-table",
        "Periodic table card sort",
        ["chemistry", "ks3"],
        "science",
        "Group elements by properties before revealing the table.",
    ),
    (
        "https://example.org/source-analysis",
        "Source analysis for GCSE history",
        ["history", "gcse"],
        "history",
        "Provenance, content and context: a structured approach.",
    ),
    (
        "https://example.org/map-skills",
        "Map skills: grid references and scale",
        ["geography", "ks3"],
        "geography",
        "Six-figure grid references with OS maps.",
    ),
    (
        "https://example.org/oracy-talk",
        "Oracy: talk for learning roles",
        ["oracy", "discussion"],
        "",
        "Roles and sentence stems for structured group discussion.",
    ),
    (
        "https://example.org/cold-calling",
        "Cold calling without fear",
        ["questioning", "participation"],
        "",
        "Make every pupil think: no hands up, wait time, follow-up.",
    ),
    (
        "https://example.org/mini-whiteboards",
        "Mini whiteboards for instant assessment",
        ["assessment", "questioning"],
        "",
        "Show-me boards: check the whole class in seconds.",
    ),
    (
        "https://example.org/knowledge-organisers",
        "Knowledge organisers and self-quizzing",
        ["retrieval", "knowledge"],
        "",
        "One-page organisers with cover, write, check routines.",
    ),
    (
        "https://example.org/ect-mentoring",
        "Mentoring an early career teacher",
        ["mentoring", "ect"],
        "",
        "Weekly instructional coaching meetings and action steps.",
    ),
    (
        "https://example.org/parents-evening",
        "Parents evening conversation guide",
        ["parents", "communication"],
        "",
        "Strengths, next steps, how to help at home.",
    ),
    (
        "https://example.org/wellbeing-workload",
        "Reducing teacher workload",
        ["wellbeing", "workload"],
        "",
        "Marking, planning and data policies that save time.",
    ),
    (
        "https://example.org/dual-coding",
        "Dual coding: words and pictures together",
        ["cognitive-science", "memory"],
        "",
        "Combine diagrams with explanation to reduce cognitive load.",
    ),
]

VOTES = {0: 3, 2: 2, 24: 4, 11: 1, 6: 1}
"""Corpus index -> number of votes, so vote-boosted ranking is exercised."""


def load_corpus(session: Session, now: datetime) -> list[int]:
    """Share the corpus as one member, add voters; returns resource ids in corpus order."""
    sharer = Member(display_name="Sharer", created_at=now)
    voters = [Member(display_name=f"Voter {n}", created_at=now) for n in range(5)]
    session.add_all([sharer, *voters])
    session.flush()
    assert sharer.id is not None
    ids: list[int] = []
    for url, title, tags, subject, description in CORPUS:
        shared = share_resource(
            session,
            member_id=sharer.id,
            url=url,
            title=title,
            tags=tags,
            subject=subject,
            description=description,
            now=now,
        )
        assert shared.created and shared.resource.id is not None
        ids.append(shared.resource.id)
    for index, count in VOTES.items():
        resource = session.get(type(shared.resource), ids[index])
        assert resource is not None
        for voter in voters[:count]:
            assert voter.id is not None
            vote(session, resource, voter.id, now)
    session.flush()
    return ids
