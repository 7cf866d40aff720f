"""How an inquiry is shown: stage names, what each stage asks of the group, and the lines and
prompts that commands, notices and scheduled messages share."""

from __future__ import annotations

from core.commands import N_
from core.communities.models import Community
from core.i18n import _, current_language, ngettext
from core.inquiry.models import Inquiry, InquiryFile, Stage
from core.reply import Reply, SpanLike, bold, code, link

STAGE_NAMES: dict[Stage, str] = {
    Stage.QUESTION: N_("Question"),
    Stage.PLAN: N_("Plan"),
    Stage.ACT: N_("Act"),
    Stage.GATHER: N_("Gather evidence"),
    Stage.REFLECT: N_("Reflect"),
    Stage.SHARE: N_("Share"),
}

STAGE_ASKS: dict[Stage, str] = {
    Stage.QUESTION: N_(
        "Sharpen the question together: what exactly do you want to find out, and for which pupils?"
    ),
    Stage.PLAN: N_(
        "Agree what you will try, for how long, and what evidence will show whether it worked."
    ),
    Stage.ACT: N_("Try it in your lessons, and note what you did and what surprised you."),
    Stage.GATHER: N_(
        "Collect the evidence you planned: pupils' work, quiz scores, what you saw and heard."
    ),
    Stage.REFLECT: N_("Look at the evidence together: what changed, for whom, and why?"),
    Stage.SHARE: N_(
        "Write up what you found so colleagues can use it; the lead publishes it with "
        "inquiry findings."
    ),
}


def stage_name(stage: str) -> str:
    """The stage's name in the reader's language (``gather-evidence`` -> Gather evidence)."""
    return _(STAGE_NAMES[Stage(stage)])


def inquiry_line(inquiry: Inquiry, community: str, members: int) -> list[SpanLike]:
    """One inquiry as a list line: id, question, community, stage, members."""
    state = _("finished") if inquiry.findings_at is not None else stage_name(inquiry.stage)
    return [
        code(f"#{inquiry.id}"),
        " ",
        bold(inquiry.question),
        f" · {community} · {state} · ",
        ngettext("{n} member", "{n} members", members),
    ]


def stage_prompt(inquiry: Inquiry, community: Community, stage: Stage) -> Reply:
    """The message each member gets on the day a stage starts."""
    reply = Reply().heading(
        _("Inquiry #{id}: {stage} starts today", id=inquiry.id, stage=stage_name(stage))
    )
    reply.text(bold(inquiry.question), f" · {community.name}")
    reply.text(_(STAGE_ASKS[stage]))
    reply.note(
        _(
            'Add evidence with inquiry post {id} "what you noticed"; see it all with '
            "inquiry show {id}.",
            id=inquiry.id,
        )
    )
    return reply.action(_("Show the inquiry"), f"inquiry show {inquiry.id}")


_SIZE_UNITS = (
    (1000**3, "digital-gigabyte"),
    (1000**2, "digital-megabyte"),
    (1000, "digital-kilobyte"),
)
PLATFORM_NAMES = {"slack": "Slack", "telegram": "Telegram", "discord": "Discord"}


def file_size(size: int) -> str:
    """A size in bytes as the reader writes it, in the largest unit it fills (``1.2 MB``,
    ``1,2 Mo`` in French, ``512 B``)."""
    from babel.units import format_unit  # imported lazily: only replies with files need it

    spoken = current_language()
    locale = "en_GB" if spoken == "en" else spoken
    for factor, unit in _SIZE_UNITS:
        if size >= factor:
            return str(format_unit(round(size / factor, 1), unit, length="short", locale=locale))
    return str(format_unit(size, "digital-byte", length="short", locale=locale))


def file_spans(attached: InquiryFile) -> list[SpanLike]:
    """One file of a post: its name (a link to it where the platform gives one) and size; without
    a link, which platform keeps it (a Telegram file opens only in the chat it was sent in)."""
    name: SpanLike = link(attached.name, attached.url) if attached.url else bold(attached.name)
    parts: list[SpanLike] = ["📎 ", name, f" ({file_size(attached.size)})"]
    if not attached.url:
        where = PLATFORM_NAMES.get(attached.platform, attached.platform)
        parts.append(_(" on {platform}", platform=where) if where else "")
    return parts
