"""REST API v1 of delegations (with their workflow steps), assignments and flags:
``serializers``, ``filters``, ``views`` (delegations, assignments), ``flags`` and ``shared``.
The views are re-exported here for ``config.api``."""

from delegations.api.flags import FlagListView, FlagSummaryView
from delegations.api.views import AssignmentViewSet, DelegationViewSet

__all__ = ["AssignmentViewSet", "DelegationViewSet", "FlagListView", "FlagSummaryView"]
