"""What reflection messages look like: prompts, follow-ups, saved answers and shared posts.

Prompts and stage names come from our library; answers are the member's own words and always go
into plain spans, so every adapter escapes them.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.i18n import _, format_moment
from core.reflection import library
from core.reflection.models import JournalEntry, ReflectionPrompt
from core.reply import Reply, bold, italic

SHORT_PROMPT = 60


def model_label(model_key: str | None) -> str:
    if model_key is None or model_key not in library.models():
        return _("Free entry")
    return library.model(model_key).name


def stage_label(model_key: str | None, stage: str | None) -> str | None:
    if model_key is None or stage is None or model_key not in library.models():
        return None
    found = next((p for p in library.model(model_key).prompts if p.stage == stage), None)
    return found.stage_title if found else None


def stage_position(model_key: str | None, stage: str | None) -> str:
    """Where a question stands in its model: "Gibbs' reflective cycle · stage 2 of 6: Feelings"
    (the model's name alone for a free entry or a stage the library no longer has)."""
    label = model_label(model_key)
    title = stage_label(model_key, stage)
    if title is None or model_key is None:
        return label
    stages = library.model(model_key).stages
    if stage not in stages:
        return f"{label} · {title}"
    return _(
        "{model} · stage {n} of {count}: {stage}",
        model=label,
        n=stages.index(stage) + 1,
        count=len(stages),
        stage=title,
    )


def short(text: str, limit: int = SHORT_PROMPT) -> str:
    """A one-line cut of ``text`` for lists and titles (no double quotes: it goes in commands)."""
    line = " ".join(text.split()).replace('"', "'")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def prompt_reply(prompt: ReflectionPrompt, *, scheduled: bool) -> Reply:
    """The message that asks a question and says how to answer it."""
    heading = _("Time to reflect") if scheduled else _("A question to reflect on")
    reply = Reply().heading(heading)
    reply.text(bold(stage_position(prompt.model, prompt.stage)))
    reply.text(italic(prompt.text))
    reply.note(
        _(
            "Reply to me here with your thoughts: they go into your private journal, which "
            "only you can read."
        )
    )
    # Another question at the same step, so swapping a question does not skip a stage.
    stage = f" stage={prompt.stage}" if stage_label(prompt.model, prompt.stage) else ""
    reply.action(_("A different question"), f"reflect {prompt.model}{stage}")
    return reply


def follow_up_reply(prompt: ReflectionPrompt) -> Reply:
    """The one gentle reminder of an unanswered prompt."""
    return (
        Reply()
        .text(_("Still thinking about this one? There is no rush."))
        .text(italic(prompt.text))
        .note(_("Reply here whenever you are ready, or send reflect pause if now is a busy time."))
    )


def cpd_command(entry: JournalEntry, *, hours: float, category: str | None, zone: ZoneInfo) -> str:
    """The ``cpd log`` command that records a journal entry as CPD evidence.

    It is a button's payload, kept server-side and in the platform's message: it names the entry
    by id and carries none of what the member wrote (the prompt's question is Staffroom's own)."""
    if entry.prompt_text:
        subject = _("Reflection: {question}", question=short(entry.prompt_text, 50))
    else:
        subject = _("Reflection, journal entry #{id}", id=entry.id)
    parts = [f'cpd log {hours:g} "{subject.replace(chr(34), chr(39))}"']
    if category:
        parts.append(f'category="{category}"')
    parts.append(f"date={entry.created_at.astimezone(zone).date().isoformat()}")
    parts.append(f"reflection={entry.id}")
    return " ".join(parts)


def saved_reply(entry: JournalEntry, *, cpd: str, communities: list[str]) -> Reply:
    """Confirms an answer was kept, with the next steps: CPD evidence or sharing."""
    reply = Reply.success(
        _("Saved to your private journal as entry #{id}. Only you can read it.", id=entry.id)
    )
    reply.action(_("Log as CPD evidence"), cpd, "primary")
    for slug in communities[:2]:
        reply.action(
            _("Share with {community}…", community=slug),
            f"journal share {entry.id} community={slug}",
        )
    reply.note(
        _(
            "To share it with a community, send journal share {id} community=NAME; you will "
            "see the post before it goes out.",
            id=entry.id,
        )
    )
    return reply


def entry_heading(entry: JournalEntry, zone: ZoneInfo) -> str:
    when = _when(entry.created_at, zone)
    return _("Journal entry #{id} · {when}", id=entry.id, when=when)


def _when(at: datetime, zone: ZoneInfo) -> str:
    return format_moment(at.astimezone(zone))


def entry_reply(entry: JournalEntry, zone: ZoneInfo, shared_with: list[str]) -> Reply:
    """One entry in full, for its author."""
    reply = Reply().heading(entry_heading(entry, zone))
    stage = stage_label(entry.model, entry.stage)
    label = model_label(entry.model)
    reply.fields([(_("Model"), f"{label} · {stage}" if stage else label)])
    if entry.prompt_text:
        reply.text(italic(entry.prompt_text))
    reply.text(entry.body)
    if shared_with:
        reply.note(_("Shared with: {communities}", communities=", ".join(shared_with)))
    else:
        reply.note(_("Private: not shared with anyone."))
    return reply


def shared_reflection_reply(author: str, entry: JournalEntry, community: str) -> Reply:
    """The post a community's channels receive when a member shares an entry."""
    reply = Reply().heading(_("A shared reflection"))
    reply.text(author, _(" shared this from their journal with "), community, ":")
    if entry.prompt_text:
        reply.text(italic(entry.prompt_text))
    reply.text(entry.body)
    return reply.public()
