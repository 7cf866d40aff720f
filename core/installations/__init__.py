"""Platform installations: the Slack workspaces (and Enterprise Grid organisations) that added
Staffroom through OAuth, with their tokens kept encrypted, and the one-time OAuth states; and this
Staffroom's own install id (:mod:`core.installations.install_id`).

The core knows no platform SDK: an adapter's installation store and state store call
:mod:`core.installations.service` (see its guarantees).
"""

from __future__ import annotations

from core.feature import Feature
from core.installations.models import (
    Installation,
    InstallationTeam,
    OAuthState,
    StaffroomInstall,
)
from core.installations.privacy import INSTALLATION_DATA

FEATURE = Feature(
    name="installations",
    data=INSTALLATION_DATA,
    tables=(Installation, InstallationTeam, OAuthState, StaffroomInstall),
)
