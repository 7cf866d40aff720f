"""The features a Staffroom is built from, in order.

Each is a :class:`~core.feature.Feature` value declared in its package; nothing registers itself
on import. The order is the order of ``privacy export`` and of help; deletion and merging run in
reverse, so a feature cleans up before the features it builds on. A deployment (or a test) can
build an app from another tuple: ``Staffroom(settings, features=(*FEATURES, MY_FEATURE))``.
"""

from __future__ import annotations

from core.actions import FEATURE as ACTIONS
from core.communities import FEATURE as COMMUNITIES
from core.cpd import FEATURE as CPD
from core.delivery import FEATURE as DELIVERY
from core.events import FEATURE as EVENTS
from core.feature import Feature, tables_of
from core.forms import FEATURE as FORMS
from core.help import FEATURE as HELP
from core.identity import FEATURE as IDENTITY
from core.inbound import FEATURE as INBOUND
from core.inquiry import FEATURE as INQUIRY
from core.installations import FEATURE as INSTALLATIONS
from core.mentoring import FEATURE as MENTORING
from core.observation import FEATURE as OBSERVATION
from core.privacy import FEATURE as PRIVACY
from core.reflection import FEATURE as REFLECTION
from core.resources import FEATURE as RESOURCES
from core.schools import FEATURE as SCHOOLS

FEATURES: tuple[Feature, ...] = (
    IDENTITY,
    PRIVACY,
    ACTIONS,
    INBOUND,
    DELIVERY,
    INSTALLATIONS,
    COMMUNITIES,
    EVENTS,
    RESOURCES,
    CPD,
    SCHOOLS,
    REFLECTION,
    MENTORING,
    OBSERVATION,
    INQUIRY,
    FORMS,
    HELP,
)

TABLES = tables_of(FEATURES)
"""Every table, for the metadata and Alembic."""
