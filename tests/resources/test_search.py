"""resource search: ranked full text on both backends, filters, pages, hidden and private ones."""

from __future__ import annotations

from sqlmodel import Session

from core.app import Staffroom
from core.communities.models import Role
from core.resources.models import Resource
from core.resources.search import search_resources, search_terms
from tests.resources.corpus import CORPUS, load_corpus
from tests.resources.helpers import make_community, member_id, share
from tests.talk import say, text_of

# Query -> corpus titles expected first, in order. The same expectations hold on SQLite (FTS5,
# bm25) and PostgreSQL (tsvector, ts_rank): both backends agree on the top results.
EXPECTED_TOP = {
    "exit tickets": ["Exit ticket templates for every lesson"],
    "assessment": [
        "Mini whiteboards for instant assessment",
        "Exit ticket templates for every lesson",
        "Writing good hinge questions",
    ],
    "fractions": ["Fraction walls and bar models"],
    "retrieval practice": ["Retrieval practice grids"],
    "behaviour incident": ["Restorative conversations after an incident"],
    "the hinge questions": ["Writing good hinge questions"],
    "reading": ["Reading fluency: echo and choral reading"],
    "Phonics": ["Phase 3 phonics flashcards"],
    "feedback marking": [
        "Live marking with a visualiser",
        "Whole-class feedback sheet for essays",
    ],
}


def _titles(app: Staffroom, query: str, *, limit: int = 5) -> list[str]:
    with Session(app.engine) as session:
        page = search_resources(session, query, member_id=None, page_size=limit)
        return [r.title for r, _score in page.results]


def test_corpus_top_results(app: Staffroom) -> None:
    with app.session() as session:
        load_corpus(session, app.clock.now())
    for query, expected in EXPECTED_TOP.items():
        assert _titles(app, query)[: len(expected)] == expected, query


def test_stemming_and_every_word_required(app: Staffroom) -> None:
    with app.session() as session:
        load_corpus(session, app.clock.now())
    assert "Writing good hinge questions" in _titles(app, "question")
    assert _titles(app, "photosynthesis pondweed") == ["Photosynthesis practical with pondweed"]
    assert _titles(app, "photosynthesis fractions") == []


def test_votes_lift_a_resource(app: Staffroom) -> None:
    with app.session() as session:
        ids = load_corpus(session, app.clock.now())
    # Equal text relevance for "behaviour" tag matches; votes decide.
    seating = ids[[c[1] for c in CORPUS].index("Seating plans that support learning")]
    for voter in ("v1", "v2", "v3"):
        assert say(app, f"resource vote {seating}", user=voter).tone == "success"
    assert _titles(app, "behaviour")[0] == "Seating plans that support learning"


def test_search_command_pages_with_a_more_button(app: Staffroom) -> None:
    for n in range(12):
        share(app, f'https://example.org/quiz-{n} "Quiz {n} on retrieval" #retrieval')
    first = say(app, "resource search retrieval quiz")
    assert first.tone == "info"
    assert text_of(first).count("Quiz") == 5 and "Page 1" in text_of(first)
    assert [a.label for a in first.actions] == ["More"]
    second = say(app, first.actions[0].command, user="bob")
    assert "Page 2" in text_of(second) and text_of(second).count("Quiz") == 5
    third = say(app, second.actions[0].command)
    assert text_of(third).count("Quiz") == 2 and not third.actions
    seen = [text_of(r) for r in (first, second, third)]
    for n in range(12):
        assert sum(f"Quiz {n} " in page for page in seen) == 1


def test_tag_and_community_filters(app: Staffroom) -> None:
    make_community(app, "science", roles={"ana": Role.MEMBER})
    share(app, 'https://example.org/a "Circuits practical" #physics community=science')
    share(app, 'https://example.org/b "Circuits quiz" #quiz')
    assert "Circuits quiz" not in text_of(say(app, "resource search circuits #physics"))
    assert "Circuits practical" in text_of(say(app, "resource search circuits #physics"))
    only = text_of(say(app, "resource search circuits community=science"))
    assert "Circuits practical" in only and "Circuits quiz" not in only
    browse = text_of(say(app, "resource search #quiz"))
    assert "Circuits quiz" in browse and "Circuits practical" not in browse
    more = say(app, "resource search circuits community=science page=2")
    assert "No more results" in text_of(more)


def test_hidden_and_members_only_resources_stay_out_of_search(app: Staffroom) -> None:
    make_community(app, "leaders", approval=True, roles={"ana": Role.MODERATOR})
    make_community(app, "open-science", roles={"ana": Role.MODERATOR})
    share(app, 'https://example.org/p "Budget planning for leaders" community=leaders')
    hidden = share(app, 'https://example.org/h "Planning hidden sheet" community=open-science')
    share(app, 'https://example.org/o "Planning open sheet" community=open-science')
    assert say(app, f"resource hide {hidden}").tone == "success"
    ana = text_of(say(app, "resource search planning"))
    bob = text_of(say(app, "resource search planning", user="bob"))
    assert "Budget planning for leaders" in ana and "Budget planning" not in bob
    assert "Planning open sheet" in ana and "Planning open sheet" in bob
    assert "hidden" not in ana and "hidden" not in bob
    assert say(app, "resource search planning community=leaders", user="bob").tone == "info"
    assert "Nothing found" in text_of(
        say(app, "resource search planning community=leaders", user="bob")
    )


def test_empty_and_operator_only_queries(app: Staffroom) -> None:
    member_id(app, "ana")
    reply = say(app, "resource search")
    assert reply.tone == "error" and "Say what to look for" in text_of(reply)
    for odd in ['"AND"', "'*'", '":"', "NEAR", "the of and"]:
        assert say(app, f"resource search {odd}").tone == "info", odd


def test_search_terms_are_clean_words() -> None:
    assert search_terms('Exit "tickets" AND NOT (quiz*) the tickets title:x') == [
        "exit",
        "tickets",
        "quiz",
        "title",
        "x",
    ]
    assert search_terms("") == []
    assert search_terms('"" ^ * - : ( )') == []


def test_index_follows_edits_and_deletions(app: Staffroom) -> None:
    rid = share(app, 'https://example.org/a "Spelling bee" #spelling')
    with app.session() as session:
        resource = session.get(Resource, rid)
        assert resource is not None
        resource.title, resource.tag_text = "Vocabulary bee", "vocabulary"
        session.add(resource)
    assert _titles(app, "spelling") == []
    assert _titles(app, "vocabulary") == ["Vocabulary bee"]
    with app.session() as session:
        session.delete(session.get(Resource, rid))
    assert _titles(app, "vocabulary") == []


def test_or_exclusion_prefix_and_phrases_on_both_databases(app: Staffroom) -> None:
    mastery = share(app, 'https://example.org/m "Teaching for mastery" description="NCETM guide"')
    retrieval = share(app, 'https://example.org/r "Retrieval practice starters"')
    tickets = share(app, 'https://example.org/t "Exit tickets that work" #assessment')
    spaced = share(app, 'https://example.org/s "Tickets for spaced retrieval"')

    def found(query: str) -> set[int]:
        with Session(app.engine) as session:
            page = search_resources(session, query, member_id=None, page_size=20)
        return {r.id for r, _score in page.results if r.id is not None}

    assert found("mastery OR retrieval") == {mastery, retrieval, spaced}
    assert found("retrieval -spaced") == {retrieval}
    assert found("mastery -ncetm") == set()
    assert found("mast*") == {mastery}
    assert found('"exit tickets"') == {tickets}
    assert found("tickets") == {tickets, spaced}
    assert found('"tickets for" OR mastery') >= {mastery}
    # Nothing typed can break the query syntax of either database.
    for odd in ('"', "-", "*", "OR", "a OR", '-"', "NEAR(", "x:* & !", "mast**"):
        found(odd)


def test_the_search_command_keeps_phrases_and_operators(app: Staffroom) -> None:
    share(app, 'https://example.org/t "Exit tickets that work"')
    share(app, 'https://example.org/x "Tickets to exit the building"')
    shown = text_of(say(app, 'resource search "exit tickets"'))
    assert "Exit tickets that work" in shown and "building" not in shown
    assert "building" in text_of(say(app, "resource search tickets -work"))
    assert "a OR b" in text_of(say(app, "help resource search"))
