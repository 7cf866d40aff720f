"""How an inquiry is shown: stage names, what each stage asks of the group, and the lines and
prompts that commands, notices and scheduled messages share."""

from __future__ import annotations

from core.commands import N_
from core.communities.models import Community
from core.i18n import _, ngettext
from core.inquiry.models import Inquiry, Stage
from core.reply import Reply, SpanLike, bold, code

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
