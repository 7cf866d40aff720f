"""Forms asked one question at a time in a chat, for platforms without forms of their own
(Telegram): the progress is kept in the database so any front-end can carry on. See
:mod:`core.forms.service` for the promise it keeps."""

from __future__ import annotations

from core.feature import Feature
from core.forms.models import FormProgress
from core.forms.privacy import FORM_DATA

FEATURE = Feature(name="forms", data=FORM_DATA, tables=(FormProgress,))
