"""The plain-language explanation of a pairing, written for the person reading it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.i18n import _, format_number


def _ordinal_goal(index: int, *, own: bool, name: str) -> str:
    ordinals = [_("first"), _("second"), _("third"), _("fourth"), _("fifth")]
    which = ordinals[index] if index < len(ordinals) else str(index + 1)
    if own:
        return _("your {which} goal", which=which)
    return _("{name}'s {which} goal", name=name, which=which)


def _hours(hours: float) -> str:
    if hours < 0.5:
        return _("same time zone")
    shown = format_number(hours)
    return _("{hours} h apart", hours=shown)


def _differs(reason: dict[str, Any], *, viewer: str, other_name: str) -> str:
    """What does not fit, from the viewer's side: "Ana teaches secondary maths, not primary
    english" (the mentee reading) or "Bob teaches primary english, not secondary maths"."""
    other = "mentor" if viewer == "mentee" else "mentee"
    theirs, yours = [], []
    for part in ("phases", "subjects"):
        if part in reason:
            theirs.append(", ".join(reason[part][other]))
            yours.append(", ".join(reason[part][viewer]))
    return _(
        "{name} teaches {theirs}, not {yours}",
        name=other_name,
        theirs=" ".join(theirs),
        yours=" ".join(yours),
    )


def explain(reasons: Sequence[dict[str, Any]], *, viewer: str, other_name: str) -> str:
    """One sentence of reasons, for the ``mentee`` or the ``mentor`` (``viewer``), then one on
    what does not fit, if anything counted against the pair."""
    parts: list[str] = []
    against: list[str] = []
    for reason in reasons:
        code = reason.get("code")
        if code == "teach":
            what = " ".join([", ".join(reason["phases"]), ", ".join(reason["subjects"])]).strip()
            parts.append(_("You both teach {what}", what=what))
        elif code == "goal" and viewer == "mentee":
            parts.append(
                _(
                    "{name} mentors on {topic}, {goal}",
                    name=other_name,
                    topic=reason["topic"],
                    goal=_ordinal_goal(int(reason["index"]), own=True, name=other_name),
                )
            )
        elif code == "goal":
            parts.append(
                _(
                    "{goal}, {text}, matches your topic {topic}",
                    goal=_ordinal_goal(int(reason["index"]), own=False, name=other_name),
                    text=reason["goal"],
                    topic=reason["topic"],
                )
            )
        elif code == "language":
            parts.append(_("you both speak {languages}", languages=", ".join(reason["languages"])))
        elif code == "hours":
            parts.append(_hours(float(reason["hours"])))
        elif code == "experience" and viewer == "mentee":
            parts.append(
                _("{name} has {years} years' experience", name=other_name, years=reason["years"])
            )
        elif code == "priority" and viewer == "mentee":
            parts.append(_("you waited last round, so you came first this time"))
        elif code == "differs":
            against.append(_differs(reason, viewer=viewer, other_name=other_name))
    text = "; ".join(parts)
    sentences = [text[:1].upper() + text[1:] + "."] if text else []
    if against:
        sentences.append(_("What does not fit: {what}.", what="; ".join(against)))
    return " ".join(sentences)
