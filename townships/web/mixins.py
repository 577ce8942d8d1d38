"""Kept for delegations.web until it relies on the ``nav`` context processor alone."""

from townships.web.context_processors import nav as role_context  # noqa: F401
