"""Persistent buttons: one dynamic item matches every ``sr:<key>`` custom id.

Registered once with ``client.add_dynamic_items`` in ``setup_hook``, it answers presses on any
Staffroom message ever sent, including those sent before a restart: the key is looked up in the
database (``core.actions``) and the command behind it runs as the person who pressed, never as
whoever the message was for.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from adapters.discord.render import CUSTOM_ID_PREFIX, button_label

if TYPE_CHECKING:
    from adapters.discord.client import StaffroomClient

KEY_PATTERN = r"(?P<key>[A-Za-z0-9_-]{1,32})"
BUTTON_ID = re.compile(re.escape(CUSTOM_ID_PREFIX) + KEY_PATTERN)
"""Every custom id :class:`ActionButton` answers (discord.py matches it in full)."""


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=BUTTON_ID,
):
    """A button whose custom id carries the action key of the command it runs."""

    def __init__(
        self,
        key: str,
        *,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=button_label(label), style=style, custom_id=CUSTOM_ID_PREFIX + key
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        """Rebuild the button from a pressed custom id (no state needed beyond the key)."""
        return cls(match["key"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Run the command behind the key as the presser."""
        client: StaffroomClient = interaction.client
        await client.inbound.press(interaction, self.key)
