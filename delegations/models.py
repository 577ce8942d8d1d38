"""How county duties reach townships: delegations (赋权/委托/交办) and assignments."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.limits import LONG_TEXT, SHORT_TEXT, TEXT
from delegations.uploads import validate_agreement_pdf

from duties.models import DutyItem
from townships.models import Department, Township


class DelegationMode(models.TextChoices):
    GRANT = "grant", _("grant (赋权)")
    ENTRUST = "entrust", _("entrustment (委托)")
    ASSIGN = "assign", _("assignment after admission review (交办)")


class DelegationState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")
    REVOKED = "revoked", _("revoked")


class DelegationLegalReview(models.TextChoices):
    PENDING = "pending", _("pending")
    PASSED = "passed", _("passed")
    FAILED = "failed", _("failed")


class Delegation(models.Model):
    """A request, and once decided the record, of a department handing a duty to townships."""

    Mode = DelegationMode
    State = DelegationState

    LegalReview = DelegationLegalReview

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="delegations", verbose_name=_("department")
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    duty_items = models.ManyToManyField(
        DutyItem, related_name="delegations", verbose_name=_("duty items")
    )
    townships = models.ManyToManyField(
        Township, related_name="delegations", verbose_name=_("townships")
    )
    reason = models.TextField(_("reason"), blank=True, max_length=TEXT, validators=[MaxLengthValidator(TEXT)])
    legal_basis = models.TextField(_("legal basis"), blank=True, max_length=LONG_TEXT, validators=[MaxLengthValidator(LONG_TEXT)])
    provincial_decision = models.CharField(
        _("provincial decision reference"),
        max_length=SHORT_TEXT,
        blank=True,
        help_text=_("Required for a grant of penalty powers (行政处罚法 第二十四条)."),
    )
    agreement_scope = models.TextField(_("agreement: scope"), blank=True, max_length=TEXT, validators=[MaxLengthValidator(TEXT)])
    agreement_powers = models.TextField(_("agreement: powers"), blank=True, max_length=TEXT, validators=[MaxLengthValidator(TEXT)])
    agreement_term_end = models.DateField(_("agreement: term ends"), null=True, blank=True)
    agreement_file = models.FileField(
        _("agreement document (PDF)"),
        upload_to="agreements/%Y/",
        blank=True,
        validators=[validate_agreement_pdf],
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    staff_posts = models.PositiveIntegerField(_("staff posts"), default=0)
    funding_wan_yuan = models.DecimalField(
        _("funding (10k yuan)"), max_digits=12, decimal_places=2, default=0
    )
    support_measures = models.TextField(_("training and guidance"), blank=True, max_length=TEXT, validators=[MaxLengthValidator(TEXT)])
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    deadline = models.DateField(_("decision deadline"), null=True, blank=True)
    legal_review = models.CharField(
        _("legality review"), max_length=16, choices=LegalReview.choices, default=LegalReview.PENDING
    )
    legal_review_note = models.TextField(_("legality review note"), blank=True, max_length=TEXT, validators=[MaxLengthValidator(TEXT)])
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_no = models.CharField(_("decision document no."), max_length=100, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, max_length=TEXT, validators=[MaxLengthValidator(TEXT)])
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    derived_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derivatives",
        verbose_name=_("derived from"),
        help_text=_("The delegation through which the department itself holds these items."),
    )
    # A township's claim (认领): the township asked for the power; the department holding it
    # gives its opinion (agreeing, it states the entrustment's terms), then the office decides.
    claimed_by = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("claimed by township"),
    )
    department_opinion = models.CharField(
        _("department's opinion"), max_length=16, blank=True,
        choices=[("agree", _("agree")), ("object", _("object"))],
    )
    department_opinion_text = models.TextField(
        _("department's opinion: reasons"), blank=True, max_length=TEXT,
        validators=[MaxLengthValidator(TEXT)],
    )
    department_opinion_at = models.DateTimeField(_("department's opinion given at"), null=True, blank=True)
    department_opinion_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department's opinion given by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(
        m2m_fields=[duty_items, townships], verbose_name=_("historical delegation")
    )

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=[c.value for c in DelegationMode]),
                name="delegation_mode_valid",
                violation_error_message=_("Unknown delegation mode."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=[c.value for c in DelegationState]),
                name="delegation_state_valid",
                violation_error_message=_("Unknown delegation state."),
            ),
            models.CheckConstraint(
                condition=Q(legal_review__in=[c.value for c in DelegationLegalReview]),
                name="delegation_legal_review_valid",
                violation_error_message=_("Unknown legality review result."),
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="delegation_window_ordered",
                violation_error_message=_("“Effective to” cannot be earlier than “effective from”."),
            ),
            models.CheckConstraint(
                condition=Q(funding_wan_yuan__gte=0),
                name="delegation_funding_not_negative",
                violation_error_message=_("Funding cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "revoked"]) | ~Q(decision_no=""),
                name="delegation_approval_has_decision_no",
                violation_error_message=_("An approved delegation needs its decision document number."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "rejected", "revoked"])
                | Q(decided_at__isnull=False),
                name="delegation_decision_dated",
                violation_error_message=_("A decided delegation needs its decision time."),
            ),
            models.CheckConstraint(
                condition=Q(state="revoked", revoked_on__isnull=False)
                | (~Q(state="revoked") & Q(revoked_on__isnull=True)),
                name="delegation_revocation_dated",
                violation_error_message=_("A revoked delegation, and only a revoked one, has a revocation date."),
            ),
            models.CheckConstraint(
                condition=Q(derived_from__isnull=True) | ~Q(derived_from=F("pk")),
                name="delegation_not_derived_from_itself",
                violation_error_message=_("A delegation cannot derive from itself."),
            ),
            models.CheckConstraint(
                condition=Q(department_opinion__in=["", "agree", "object"])
                & (Q(department_opinion="") | Q(claimed_by__isnull=False)),
                name="delegation_department_opinion_on_claims",
                violation_error_message=_("Only a township's claim has the department's opinion."),
            ),
            models.CheckConstraint(
                condition=~Q(department_opinion="object") | ~Q(department_opinion_text=""),
                name="delegation_department_objection_has_reasons",
                violation_error_message=_("The department's objection must state its reasons."),
            ),
        ]

    def __str__(self):
        return _("%(department)s %(mode)s no. %(id)s") % {
            "department": self.department,
            "mode": self.get_mode_display(),
            "id": self.pk or "—",
        }

    def is_in_force_on(self, day: datetime.date) -> bool:
        return (
            self.state in (self.State.APPROVED, self.State.REVOKED)
            and self.effective_from <= day
            and (self.effective_to is None or day <= self.effective_to)
            and (self.revoked_on is None or day < self.revoked_on)
        )

    @property
    def is_expired(self) -> bool:
        """Expiry is derived from the window, never stored."""
        from django.utils import timezone

        return (
            self.state == self.State.APPROVED
            and self.effective_to is not None
            and self.effective_to < timezone.localdate()
        )


class TownshipOpinion(models.Model):
    """A township's opinion (乡镇意见) on a request that concerns it."""

    class Opinion(models.TextChoices):
        AGREE = "agree", _("agree")
        OBJECT = "object", _("object")

    delegation = models.ForeignKey(
        Delegation, on_delete=models.CASCADE, related_name="opinions", verbose_name=_("delegation")
    )
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="opinions", verbose_name=_("township")
    )
    opinion = models.CharField(_("opinion"), max_length=8, choices=Opinion.choices)
    text = models.TextField(_("explanation"), blank=True, max_length=TEXT, validators=[MaxLengthValidator(TEXT)])
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("given by"),
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now, editable=False)
    response = models.TextField(
        _("office's response"),
        blank=True,
        max_length=TEXT,
        validators=[MaxLengthValidator(TEXT)],
        help_text=_("The compilation office's written answer to an objection, before approval."),
    )
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responded by"),
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("historical township opinion"))

    class Meta:
        verbose_name = _("township opinion")
        verbose_name_plural = _("township opinions")
        ordering = ["delegation", "township__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["delegation", "township"],
                name="opinion_once_per_township",
                violation_error_message=_("This township has already given its opinion."),
            ),
            models.CheckConstraint(
                condition=Q(opinion__in=["agree", "object"]),
                name="opinion_valid",
                violation_error_message=_("Unknown opinion."),
            ),
            models.CheckConstraint(
                condition=~Q(opinion="object") | ~Q(text=""),
                name="objection_explained",
                violation_error_message=_("An objection must say why."),
            ),
        ]

    def __str__(self):
        return f"{self.township}: {self.get_opinion_display()}"


class Revocation(models.Model):
    """One act of revocation (撤销): the whole delegation, or some of its townships or items.

    It names the townships and the items it ends, always explicitly (a whole revocation names
    them all). Once every (item, township) pair of the delegation is revoked, the delegation's
    state is ``revoked`` and its ``revoked_on`` is the day the last part ended; until then it
    stays ``approved`` and only the list entries of the revoked pairs end.
    """

    delegation = models.ForeignKey(
        Delegation, on_delete=models.CASCADE, related_name="revocations", verbose_name=_("delegation")
    )
    revoked_on = models.DateField(_("revoked on"))
    reason = models.TextField(
        _("reason"), max_length=TEXT, validators=[MaxLengthValidator(TEXT)]
    )
    document_no = models.CharField(_("revocation document no."), max_length=100)
    townships = models.ManyToManyField(
        Township, related_name="revocations", verbose_name=_("townships")
    )
    duty_items = models.ManyToManyField(
        DutyItem, related_name="revocations", verbose_name=_("duty items")
    )
    partial = models.BooleanField(
        _("partial"), default=False, help_text=_("It ends only some townships or items.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")
        ordering = ["delegation", "revoked_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="revocation_has_reason",
                violation_error_message=_("A revocation must state its reason."),
            ),
            models.CheckConstraint(
                condition=~Q(document_no=""),
                name="revocation_has_document_no",
                violation_error_message=_("A revocation needs its document number."),
            ),
        ]

    def __str__(self):
        return f"{self.delegation_id} {self.revoked_on} {self.document_no}"


class AssignmentChannel(models.TextChoices):
    NOTICE = "notice", _("notice (通知)")
    DOCUMENT = "document", _("document (文件)")
    MEETING = "meeting", _("meeting decision (会议)")
    PLEDGE = "pledge", _("responsibility pledge (责任状)")
    ASSESSMENT = "assessment", _("assessment indicator (考核)")
    TASK_FORCE = "task_force", _("task force (工作专班/临时机构)")
    OTHER = "other", _("other")


class AssignmentResponsibility(models.TextChoices):
    MAIN = "main", _("main responsibility (主体责任)")
    COOPERATE = "cooperate", _("cooperation (配合责任)")


class AssignmentRecordedBy(models.TextChoices):
    DEPARTMENT = "department", _("logged by the department")
    TOWNSHIP = "township", _("reported by a township")
    OFFICE = "office", _("recorded by the office")


class Assignment(models.Model):
    """Work a department handed to townships, logged by the department or reported by a township."""

    Channel = AssignmentChannel
    Responsibility = AssignmentResponsibility

    RecordedBy = AssignmentRecordedBy

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("department")
    )
    townships = models.ManyToManyField(
        Township, related_name="assignments", verbose_name=_("townships")
    )
    title = models.CharField(_("title"), max_length=300)
    duty_item = models.ForeignKey(
        DutyItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("duty item"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    responsibility = models.CharField(
        _("responsibility asked"),
        max_length=16,
        choices=Responsibility.choices,
        default=Responsibility.COOPERATE,
    )
    document_no = models.CharField(_("document no."), max_length=100, blank=True)
    assigned_on = models.DateField(_("assigned on"))
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT, validators=[MaxLengthValidator(LONG_TEXT)])
    recorded_by = models.CharField(
        _("recorded by"), max_length=16, choices=RecordedBy.choices, default=RecordedBy.DEPARTMENT
    )
    reporting_township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_assignments",
        verbose_name=_("reporting township"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[townships], verbose_name=_("historical assignment"))

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-assigned_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in AssignmentChannel]),
                name="assignment_channel_valid",
                violation_error_message=_("Unknown channel."),
            ),
            models.CheckConstraint(
                condition=Q(responsibility__in=[c.value for c in AssignmentResponsibility]),
                name="assignment_responsibility_valid",
                violation_error_message=_("Unknown responsibility."),
            ),
            models.CheckConstraint(
                condition=~Q(title=""),
                name="assignment_title_not_blank",
                violation_error_message=_("An assignment needs a title."),
            ),
            models.CheckConstraint(
                condition=~Q(recorded_by="township") | Q(reporting_township__isnull=False),
                name="assignment_report_names_township",
                violation_error_message=_("A township's report must name the reporting township."),
            ),
        ]

    def __str__(self):
        return f"{self.department}: {self.title}"

    def clean(self):
        if self.duty_item_id and self.department_id:
            if self.duty_item.county_id != self.department.county_id:
                raise ValidationError(
                    {"duty_item": _("The item must belong to the department's county.")}
                )


class CalendarDay(models.Model):
    """A public holiday, or a weekend day made a working day (调休), for deadline counting.

    ``notice`` is the document number of the State Council notice the row was loaded from
    (``delegations.holidays``); it is empty on a row the office set or changed in the admin,
    which a later load keeps as it is."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("holiday")
        WORKDAY = "workday", _("working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)
    notice = models.CharField(
        _("State Council notice"),
        max_length=30,
        blank=True,
        help_text=_("The document number of the State Council notice this day was loaded from; "
                    "empty for a day the office set. Changing the day here makes it the "
                    "office's: loading the notices again keeps it."),
    )
    history = HistoricalRecords(verbose_name=_("historical calendar day"))

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holidays and adjusted working days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["holiday", "workday"]),
                name="calendar_day_kind_valid",
                violation_error_message=_("Unknown calendar day kind."),
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"


# The flag store (its models live with the flags, in the delegations app).
from delegations.flags.models import Case, Finding, FlagStoreState  # noqa: E402, F401
from delegations.calls.models import Call  # noqa: E402, F401
