"""``privacy export`` and ``privacy delete``: a member's data, all of it, out or gone."""

from __future__ import annotations

import json
from typing import Annotated

from core.commands import N_, Arg, command, confirmed
from core.context import Context
from core.i18n import _
from core.reply import Reply, bold


@command("privacy export", help=N_("Get a JSON file of everything Staffroom holds about you."))
def privacy_export(ctx: Context) -> Reply:
    data = {
        "exported_at": ctx.now.isoformat(),
        "member_id": ctx.member_id,
        **ctx.privacy.export(ctx.session, ctx.member_id),
    }
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    return Reply.success(_("Here is everything Staffroom holds about you.")).attach(
        f"staffroom-export-{ctx.member_id}.json", "application/json", body
    )


@command(
    "privacy delete",
    help=N_("Delete yourself and all your data from Staffroom. Asks you to confirm first."),
    examples=["privacy delete", "privacy delete confirm"],
)
def privacy_delete(
    ctx: Context,
    *,
    confirm: Annotated[
        str | None, Arg(N_("type confirm to delete without asking"), max_length=10)
    ] = None,
) -> Reply:
    if not confirmed(confirm):
        return (
            Reply()
            .heading(_("Delete all your Staffroom data?"))
            .text(
                _(
                    "This removes your profile, linked accounts, CPD record, journal, resources "
                    "you shared, community memberships and mentoring history. It cannot be "
                    "undone. You may want "
                ),
                bold("privacy export"),
                _(" first."),
            )
            .action(_("Delete everything"), "privacy delete confirm", "danger")
        )
    ctx.privacy.delete(ctx.session, ctx.member_id)
    return Reply.success(_("Done. Everything Staffroom held about you has been deleted."))
