"""Mentoring (pairing that explains itself, check-ins, feedback) and peer coffee rotations."""

from __future__ import annotations

from core.commands import N_
from core.feature import Feature
from core.mentoring import coffee_commands, commands, schedules
from core.mentoring.models import (
    CoffeeParticipant,
    CoffeeRotation,
    CoffeeRound,
    CoffeeSeat,
    MentorMatch,
    MentorNote,
    MentorOffer,
    MentorRequest,
    MentorRound,
)
from core.mentoring.privacy import MENTORING_DATA

FEATURE = Feature(
    name="mentoring",
    groups={
        "mentor": N_("Find a mentor, offer to mentor, and follow a mentoring pair."),
        "coffee": N_("Meet a peer from your community for a coffee, every few weeks."),
    },
    commands=(
        commands.mentor_offer,
        commands.mentor_pause,
        commands.mentor_resume,
        commands.mentor_request,
        commands.mentor_status,
        commands.mentor_withdraw,
        commands.mentor_match,
        commands.mentor_schedule,
        commands.mentor_accept,
        commands.mentor_decline,
        commands.mentor_checkin,
        commands.mentor_notes,
        commands.mentor_end,
        commands.mentor_feedback,
        coffee_commands.coffee_join,
        coffee_commands.coffee_leave,
        coffee_commands.coffee_pause,
        coffee_commands.coffee_resume,
        coffee_commands.coffee_schedule,
        coffee_commands.coffee_round,
        coffee_commands.coffee_met,
    ),
    data=MENTORING_DATA,
    kinds={
        "mentor.round": schedules.plan_mentor_round,
        "mentor.checkin": schedules.plan_mentor_checkin,
        "coffee.round": schedules.plan_coffee_round,
    },
    tables=(
        MentorOffer,
        MentorRequest,
        MentorRound,
        MentorMatch,
        MentorNote,
        CoffeeRotation,
        CoffeeParticipant,
        CoffeeRound,
        CoffeeSeat,
    ),
)
