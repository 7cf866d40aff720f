"""Staffroom's core: the domain, its services and the command registry. No platform imports here.

The public face is small: build a :class:`Staffroom` and call :meth:`Staffroom.dispatch` with an
:class:`Invocation`; render the :class:`Reply` it returns. Scheduled delivery lives in
:mod:`core.delivery`.
"""

from core.app import Staffroom
from core.invocation import ChannelRef, Invocation
from core.reply import Reply

__all__ = ["ChannelRef", "Invocation", "Reply", "Staffroom"]
