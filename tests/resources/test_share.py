"""resource share: stored with tags and community, duplicates pointed to, bad input refused."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from core.app import Staffroom
from core.communities.models import Role
from core.resources.models import Resource, ResourceTag
from core.resources.service import normalise_url
from tests.resources.helpers import make_community, resource_count, share
from tests.talk import run, say, text_of


def test_share_stores_the_resource_with_tags_and_details(app: Staffroom) -> None:
    make_community(app, "maths-primary")
    rid = share(
        app,
        'https://example.org/fractions "Fraction walls" #fractions #KS2 community=maths-primary '
        'subject=Maths phase=primary description="Printable, A4"',
    )
    with Session(app.engine) as session:
        resource = session.get(Resource, rid)
        assert resource is not None
        assert resource.title == "Fraction walls"
        assert resource.tags == ["fractions", "ks2"]
        assert (resource.subject, resource.phase, resource.description) == (
            "maths",
            "primary",
            "Printable, A4",
        )
        assert resource.community_id is not None
        tags = session.exec(select(ResourceTag.tag).where(ResourceTag.resource_id == rid)).all()
        assert sorted(tags) == ["fractions", "ks2"]
    shown = text_of(say(app, f"resource show {rid}", user="bob"))
    assert "Fraction walls" in shown and "Maths Primary" in shown and "#fractions #ks2" in shown


def test_share_as_structured_command(app: Staffroom) -> None:
    reply = run(
        app,
        "resource share",
        {"url": "https://example.org/a", "title": "Cold calling", "tags": ["questioning"]},
    )
    assert reply.tone == "success", text_of(reply)
    assert resource_count(app) == 1


@pytest.mark.parametrize(
    "again",
    [
        "https://EXAMPLE.org/exit-tickets/",
        "https://example.org/exit-tickets?utm_source=newsletter&utm_medium=email",
        "https://example.org:443/exit-tickets#top",
    ],
)
def test_duplicate_link_points_to_the_existing_resource(app: Staffroom, again: str) -> None:
    rid = share(app, 'https://example.org/exit-tickets "Exit tickets" #assessment')
    reply = say(app, f'resource share {again} "Exit tickets again"', user="bob")
    assert reply.tone == "info"
    assert f"#{rid}" in text_of(reply) and "Exit tickets" in text_of(reply)
    assert [a.command for a in reply.actions] == [f"resource vote {rid}", f"resource save {rid}"]
    assert resource_count(app) == 1
    # The vote button works for the person who pressed it.
    assert say(app, reply.actions[0].command, user="bob").tone == "success"


def test_normalise_url_keeps_what_identifies_the_page() -> None:
    assert normalise_url("HTTPS://Example.org/a/?b=2&a=1&utm_campaign=x") == (
        "https://example.org/a?a=1&b=2"
    )
    assert normalise_url("http://example.org:80/") == "http://example.org"
    assert normalise_url("https://example.org/a?id=1") != normalise_url("https://example.org/a")
    assert normalise_url("https://example.org/Case") != normalise_url("https://example.org/case")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('ftp://example.org/file "A file"', "http:// or https://"),
        ('javascript:alert(1) "Sneaky"', "http:// or https://"),
        ('example.org "No scheme"', "http:// or https://"),
        ('https://example.org "' + "x" * 201 + '"', "the limit is 200"),
        (
            'https://example.org "Tags" ' + " ".join(f"#t{n}" for n in range(11)),
            "at most 10",
        ),
        ('https://example.org "Somewhere" community=nowhere', "no community called nowhere"),
        ('https://example.org "Phase" phase=university', "phase"),
        ("https://example.org", "needs title"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    app: Staffroom, line: str, expected: str
) -> None:
    reply = say(app, f"resource share {line}")
    assert reply.tone == "error"
    assert expected.lower() in text_of(reply).lower(), text_of(reply)
    assert resource_count(app) == 0


def test_approval_only_community_needs_active_membership(app: Staffroom) -> None:
    make_community(app, "leaders", approval=True, roles={"ana": Role.MEMBER}, pending=("carl",))
    for outsider in ("bob", "carl"):
        reply = say(
            app, 'resource share https://example.org/x "Plan" community=leaders', user=outsider
        )
        assert reply.tone == "error"
        assert "Only members of Leaders can share there" in text_of(reply)
    assert resource_count(app) == 0
    share(app, 'https://example.org/x "Plan" community=leaders', user="ana")
    assert resource_count(app) == 1


def test_a_link_only_in_a_private_community_is_shared_as_if_new(app: Staffroom) -> None:
    """An outsider learns nothing of what a members-only community reads: sharing its link gets
    the reply a new link gets, and a copy of their own that they and others can find."""
    make_community(app, "leaders", approval=True, roles={"ana": Role.MEMBER})
    secret = share(app, 'https://example.org/secret?utm_source=x "Budget plan" community=leaders')

    def shaped(reply_text: str, rid: int) -> str:
        return reply_text.replace(f"#{rid}", "#N").replace(f" {rid}.", " N.")

    known = say(app, 'resource share https://example.org/secret/ "Mine"', user="bob")
    fresh = say(app, 'resource share https://example.org/fresh "Mine"', user="bob")
    assert known.tone == fresh.tone == "success"
    with Session(app.engine) as session:
        copy, new = (
            session.exec(select(Resource.id).where(Resource.url == url)).one()
            for url in ("https://example.org/secret/", "https://example.org/fresh")
        )
    assert copy != secret
    assert shaped(text_of(known), copy) == shaped(text_of(fresh), new)
    assert "Budget plan" not in text_of(known)
    # The copy is public: the next outsider finds it, not the community's, and no third copy.
    again = text_of(say(app, 'resource share https://example.org/secret "Again"', user="carl"))
    assert f"#{copy}" in again and "Nothing new was shared" in again
    assert resource_count(app) == 3
    assert "Mine" in text_of(say(app, f"resource show {copy}", user="carl"))


def test_a_hidden_link_is_not_shared_again_by_someone_who_could_see_it(app: Staffroom) -> None:
    make_community(app, "maths", roles={"mod": Role.MODERATOR})
    rid = share(app, 'https://example.org/spam "Spam" community=maths', user="bob")
    assert say(app, f"resource hide {rid} spam", user="mod").tone == "success"
    reply = say(app, 'resource share https://example.org/spam "Spam again"', user="carl")
    assert reply.tone == "error" and "hidden by moderators" in text_of(reply)
    assert resource_count(app) == 1
