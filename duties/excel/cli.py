"""What the Excel commands (import_list, import_county, export_list, export_county) share: the
importing office account, dates given as options, and the lines a report prints."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def office_user(username, dry_run):
    """The office account the history records (superusers count as office); None for a dry
    run without ``--user``."""
    from townships.access import OFFICE, role_of

    if not username:
        if dry_run:
            return None
        raise CommandError(_(
            "--user is required: name the office account the history records as the "
            "importing user."
        ))
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(_("Unknown user %(name)s.") % {"name": username})
    if not user.is_active or role_of(user) != OFFICE:
        raise CommandError(_(
            "%(name)s is not an active office (编办) account; only office staff may import."
        ) % {"name": username})
    return user


def parse_day(value, option):
    """``value`` (YYYY-MM-DD) as a date, None when not given."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("%(option)s must be a date (YYYY-MM-DD).") % {"option": option}) from None


def report_lines(report) -> list[str]:
    """What a sheet's report says before its summary: the counties it creates, the columns
    not imported and the warnings about them, the departments found by their normalised
    name, and the effective dates the list rows got."""
    lines = list(report.county_notes)
    if report.unknown_columns:
        lines.append(_("Columns ignored (not recognised): %(columns)s")
                     % {"columns": "、".join(report.unknown_columns)})
    lines.extend(_("Warning: %(warning)s") % {"warning": warning} for warning in report.warnings)
    lines.extend(
        _("Department “%(written)s” read as %(department)s.")
        % {"written": resolution.written, "department": resolution.department.name}
        for resolution in report.departments
        if resolution.how == "normalised"
    )
    lines.extend(report.effective_statements)
    if report.import_day_warning:
        lines.append(report.import_day_warning)
    return lines


def summary(report) -> str:
    return _(
        "Created: %(created)s, updated: %(updated)s, unchanged: %(unchanged)s, errors: "
        "%(errors)s."
    ) % {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "errors": len(report.errors),
    }
