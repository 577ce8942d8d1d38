"""Calls (镇呼县应 / 吹哨报到): a township finds a problem on an item of its territorial list
(属地管理清单) and calls the department that keeps the main responsibility for it; the department
must answer in time.

A call lives through::

    at_office ──route──▶ routed ──accept──▶ accepted ──report──▶ reported ──confirm──▶ confirmed
    (no list)                                   ▲                    │
                                                └──report── reopened ◀──reopen (with a reason)

A call on an item of the township's territorial list is routed at once to the entry's lead
department (主体责任部门); a call on something no list holds (清单之外的低频事项) waits at the
office until it names a lead department (县乡联办). The steps are the services of
``delegations.calls.services``; who sees and does what is ``delegations.calls.access``.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.limits import SHORT_TEXT, TEXT


class CallStatus(models.TextChoices):
    AT_OFFICE = "at_office", _("waiting for the office to route it")
    ROUTED = "routed", _("routed to the department")
    ACCEPTED = "accepted", _("accepted by the department")
    REPORTED = "reported", _("reported by the department")
    CONFIRMED = "confirmed", _("confirmed by the township")
    REOPENED = "reopened", _("reopened by the township")


class CallUrgency(models.TextChoices):
    NORMAL = "normal", _("normal")
    URGENT = "urgent", _("urgent")


# The statuses in which a call has its lead department (every one but at_office).
WITH_DEPARTMENT = [s.value for s in CallStatus if s != CallStatus.AT_OFFICE]
# The statuses in which the department still owes its report (a call past its deadline in
# one of them is overdue).
AWAITING_REPORT = [CallStatus.ROUTED.value, CallStatus.ACCEPTED.value, CallStatus.REOPENED.value]


def _text(label, required=False):
    return models.TextField(label, blank=not required, max_length=TEXT,
                            validators=[MaxLengthValidator(TEXT)])


def _user(label):
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+", verbose_name=label)


class Call(models.Model):
    """A township's call on the department that keeps the main responsibility for an item."""

    Status = CallStatus
    Urgency = CallUrgency

    county = models.ForeignKey("townships.County", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("county"))
    township = models.ForeignKey("townships.Township", on_delete=models.PROTECT,
                                 related_name="calls", verbose_name=_("township"))
    list_entry = models.ForeignKey(
        "duties.ListEntry", on_delete=models.SET_NULL, null=True, blank=True, related_name="calls",
        verbose_name=_("territorial list entry"),
        help_text=_("The entry of the township's territorial list the call is about (blank: "
                    "the item is on no list of the township)."),
    )
    item = models.ForeignKey("duties.DutyItem", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="calls", verbose_name=_("duty item"))
    lead_department = models.ForeignKey(
        "townships.Department", on_delete=models.PROTECT, null=True, blank=True,
        related_name="calls", verbose_name=_("lead department"),
        help_text=_("Blank while the call waits for the office to route it."),
    )
    cooperating_departments = models.ManyToManyField(
        "townships.Department", blank=True, related_name="cooperating_calls",
        verbose_name=_("co-operating departments"),
    )
    found = _text(_("what was found"), required=True)
    place = models.CharField(_("where"), max_length=SHORT_TEXT, blank=True)
    found_at = models.DateTimeField(_("when found"), default=timezone.now)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices,
                               default=Urgency.NORMAL)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.ROUTED)
    due_on = models.DateField(_("due on"), null=True, blank=True,
                              help_text=_("A normal call: the working day the report is due."))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True,
                                  help_text=_("An urgent call: the hour the report is due."))
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    filed_by = _user(_("filed by"))
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    routed_by = _user(_("routed by"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = _user(_("accepted by"))
    report = _text(_("the department's report"))
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = _user(_("reported by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = _user(_("confirmed by"))
    reopen_reason = _text(_("reason for reopening"))
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_by = _user(_("reopened by"))
    history = HistoricalRecords(verbose_name=_("historical call"))

    class Meta:
        app_label = "delegations"
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in CallStatus]),
                name="call_status_valid",
                violation_error_message=_("Unknown call status."),
            ),
            models.CheckConstraint(
                condition=Q(urgency__in=[c.value for c in CallUrgency]),
                name="call_urgency_valid",
                violation_error_message=_("Unknown urgency."),
            ),
            models.CheckConstraint(
                condition=~Q(found=""),
                name="call_says_what_was_found",
                violation_error_message=_("A call must say what was found."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=WITH_DEPARTMENT) | Q(lead_department__isnull=False),
                name="call_routed_has_lead_department",
                violation_error_message=_("A routed call needs its lead department."),
            ),
            models.CheckConstraint(
                condition=(~Q(status__in=WITH_DEPARTMENT)
                           | Q(urgency="normal", due_on__isnull=False, due_at__isnull=True)
                           | Q(urgency="urgent", due_at__isnull=False, due_on__isnull=True)),
                name="call_routed_has_deadline",
                violation_error_message=_(
                    "A routed call needs its deadline: a day for a normal call, an hour for an "
                    "urgent one."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["reported", "confirmed"]) | ~Q(report=""),
                name="call_reported_has_report",
                violation_error_message=_("A report must say what the department did."),
            ),
            models.CheckConstraint(
                condition=~Q(status="reopened") | ~Q(reopen_reason=""),
                name="call_reopen_explained",
                violation_error_message=_("A reopened call must state the reason."),
            ),
        ]
        indexes = [
            models.Index(fields=["county", "status"], name="call_county_status"),
            models.Index(fields=["lead_department", "status"], name="call_department_status"),
            models.Index(fields=["township", "status"], name="call_township_status"),
        ]

    def __str__(self):
        return f"{self.pk} {self.township_id} {self.get_status_display()}"

    @property
    def due(self):
        """The deadline: a date (normal call) or a datetime (urgent call), or None."""
        return self.due_at if self.urgency == CallUrgency.URGENT else self.due_on

    def is_overdue(self, now=None) -> bool:
        """Past its deadline and not yet reported."""
        if self.status not in AWAITING_REPORT:
            return False
        now = now or timezone.now()
        if self.urgency == CallUrgency.URGENT:
            return self.due_at is not None and self.due_at < now
        return self.due_on is not None and self.due_on < timezone.localdate(now)

    def answered_in_time(self):
        """Whether the last report came by the deadline (None before a report)."""
        if self.reported_at is None or self.due is None:
            return None
        if self.urgency == CallUrgency.URGENT:
            return self.reported_at <= self.due_at
        return timezone.localdate(self.reported_at) <= self.due_on
