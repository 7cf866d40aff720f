"""Sample data for a first run (``staffroom console --demo``): a community with resources, an
upcoming event and a mentor, created through the ordinary commands by a few sample colleagues.

The colleagues are console members like the person trying it, so ``/as Sam Patel`` at the console
speaks as the mentor who owns the community: run the mentoring round that proposes a match, bind
the community to a local channel, announce something there.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from adapters.console import PLATFORM, TENANT, user_id_for
from core.app import Staffroom
from core.communities.models import Community
from core.invocation import ChannelRef, Invocation

DEMO_COMMUNITY = "maths-secondary"


def _as(app: Staffroom, name: str, *commands: str) -> None:
    """Send the commands as the console member ``name``, in their direct chat."""
    user = user_id_for(name)
    for text in commands:
        reply = app.dispatch(
            Invocation(
                platform=PLATFORM,
                tenant=TENANT,
                user_id=user,
                display_name=name,
                text=text,
                channel=ChannelRef(id=f"console:{user}", direct=True),
                counted=False,  # the demo setting itself up, not a person typing
            )
        )
        if reply.tone == "error":
            raise RuntimeError(f"demo command failed: {text!r}: {reply.plain_text()}")


def seed_demo(app: Staffroom) -> bool:
    """Create the sample data once; returns False when it is already there."""
    with app.session() as session:
        if session.exec(select(Community).where(Community.slug == DEMO_COMMUNITY)).first():
            return False
    next_week = (app.clock.now() + timedelta(days=7)).date().isoformat()
    _as(
        app,
        "Sam Patel",
        "profile set role=middle-leader subjects=maths phases=secondary "
        "timezone=Europe/London languages=en,gu experience=12",
        'community create "Maths secondary" "Sharing what works in KS3-5 maths"',
        'resource share https://www.ncetm.org.uk/ "NCETM: maths mastery resources" '
        "#mastery #ks3 community=maths-secondary",
        'resource share https://www.mathsbot.com/ "Mathsbot: starters and manipulatives" '
        "#starters #retrieval community=maths-secondary",
        f'event create maths-secondary "Exit tickets teachmeet" "{next_week} 16:00" 1h',
        'mentor offer "behaviour management" "assessment" "early-career support" capacity=2',
    )
    _as(
        app,
        "Priya Shah",
        "profile set role=teacher subjects=maths,computing phases=secondary "
        "timezone=Europe/London languages=en",
        "community join maths-secondary",
        'resource share https://www.cambridgemaths.org/espresso/ "Cambridge Espresso: '
        'research in a cup" #research #pedagogy community=maths-secondary',
        "resource vote 1",
        "event rsvp 1 yes",
    )
    _as(
        app,
        "Tom Reid",
        "profile set role=early-career subjects=maths phases=secondary timezone=Europe/London",
        "community join maths-secondary",
        "resource vote 1",
        "resource vote 2",
    )
    return True


DEMO_HINT = (
    "Demo data is ready: a community (maths-secondary) with resources, an event next week and a "
    "mentor, Sam Patel, who owns it. Try: community join maths-secondary · event list · "
    'resource search mastery · cpd log 1.5 "Teachmeet" category=workshop · reflect · '
    'mentor request "behaviour management", then /as Sam Patel and mentor match maths-secondary '
    "to propose the match, /in staffroom and community bind maths-secondary to see its posts "
    "here, and /as yourself again to see the proposal with mentor status."
)
