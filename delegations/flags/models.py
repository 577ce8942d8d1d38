"""The flag store: one ``Finding`` row per flag the rules compute, kept equal to the engine's
result by every write (``delegations.flags.store``), ``FlagStoreState``, the day the rules that
depend on today's date were last brought up to date, and the ``Case`` each finding belongs to:
the findings about one subject (an assignment × a township, a delegation, or a list entry) and
the office's response loop on them (``delegations.flags.cases``).

A finding's identity is its rule and the objects it names (``key``): township, department,
item, assignment, delegation and list entry (0 where the rule names none), exactly the
engine's key columns. Codes are copied next to the foreign keys so that the engine's order
(rule, township code, department code, item code, assignment, delegation, entry) is an index
order: a page is an indexed range scan, whatever the number of findings. Names are read
through the foreign keys, so a renamed township or department shows at once; the raw facts
(evidence before the rule's ``explain``) are stored and explained when read, in the reader's
language.

Defined here, imported by ``delegations.models`` (app label ``delegations``).
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.limits import TEXT

ORDER_FIELDS = (
    "rule_index",
    "township_code",
    "department_code",
    "item_code",
    "assignment_pk",
    "delegation_pk",
    "entry_pk",
)


class Finding(models.Model):
    """One flag as the rules computed it, at the last write that touched its scope."""

    key = models.CharField(_("identity"), max_length=120)
    rule = models.CharField(_("rule"), max_length=40)
    rule_index = models.PositiveSmallIntegerField(_("rule order"))
    severity = models.CharField(_("severity"), max_length=8)
    # The foreign keys that lead an order index below need no index of their own.
    county = models.ForeignKey(
        "townships.County", on_delete=models.CASCADE, related_name="+", verbose_name=_("county"),
        db_index=False,
    )
    township = models.ForeignKey(
        "townships.Township", on_delete=models.CASCADE, related_name="findings",
        verbose_name=_("township"), db_index=False,
    )
    township_code = models.CharField(_("township code"), max_length=9)
    department = models.ForeignKey(
        "townships.Department", on_delete=models.CASCADE, null=True, blank=True,
        related_name="findings", verbose_name=_("department"), db_index=False,
    )
    department_code = models.CharField(_("department code"), max_length=32, blank=True, default="")
    duty_item = models.ForeignKey(
        "duties.DutyItem", on_delete=models.CASCADE, null=True, blank=True,
        related_name="findings", verbose_name=_("duty item"),
    )
    item_code = models.CharField(_("item code"), max_length=64, blank=True, default="")
    # The assignment, delegation and list entry the finding names (0: none). Plain numbers, not
    # foreign keys: when one of them goes, the store's refresh of that write removes the
    # finding (and closes its case), rather than a cascade nobody records.
    assignment_pk = models.PositiveBigIntegerField(_("assignment"), default=0)
    delegation_pk = models.PositiveBigIntegerField(_("delegation"), default=0)
    entry_pk = models.PositiveBigIntegerField(_("list entry"), default=0)
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    case = models.ForeignKey(
        "delegations.Case", on_delete=models.PROTECT, related_name="findings",
        verbose_name=_("case"),
    )
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    updated_at = models.DateTimeField(_("evidence last changed"), default=timezone.now)

    class Meta:
        app_label = "delegations"
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.UniqueConstraint(
                fields=["key"], name="finding_identity_unique",
                violation_error_message=_("This finding is stored already."),
            ),
            models.CheckConstraint(
                condition=models.Q(severity__in=["error", "warning"]),
                name="finding_severity_valid",
                violation_error_message=_("Unknown severity."),
            ),
        ]
        indexes = [
            models.Index(fields=list(ORDER_FIELDS), name="finding_order"),
            models.Index(fields=["county", *ORDER_FIELDS], name="finding_county_order"),
            models.Index(fields=["township", *ORDER_FIELDS], name="finding_township_order"),
            models.Index(fields=["department", *ORDER_FIELDS], name="finding_department_order"),
        ]

    def __str__(self):
        return self.key


class FlagStoreState(models.Model):
    """What the store knows about itself: the day its date-dependent rules were last brought
    up to date (one row, ``name="dates"``)."""

    name = models.CharField(_("name"), max_length=20)
    day = models.DateField(_("day"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        app_label = "delegations"
        verbose_name = _("flag store state")
        verbose_name_plural = _("flag store state")
        constraints = [
            models.UniqueConstraint(
                fields=["name"], name="flag_store_state_name_unique",
                violation_error_message=_("The flag store's state is kept once."),
            ),
        ]

    def __str__(self):
        return f"{self.name}: {self.day}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("open")
    NOTIFIED = "notified", _("notified")
    ANSWERED = "answered", _("answered")
    CLOSED = "closed", _("closed")


class CaseAnswer(models.TextChoices):
    WITHDRAWN = "withdrawn", _("work withdrawn")
    ADMISSION_REQUESTED = "admission_requested", _("admission requested")
    DISPUTED = "disputed", _("disputed")


class CaseResolution(models.TextChoices):
    CORRECTED = "corrected", _("corrected")
    DISMISSED = "dismissed", _("dismissed")
    ESCALATED = "escalated", _("escalated")
    RESOLVED_BY_DATA = "resolved_by_data", _("resolved by the data")


def _text(label):
    return models.TextField(label, blank=True, max_length=TEXT, validators=[MaxLengthValidator(TEXT)])


class Case(models.Model):
    """The findings about one subject and what was done about them (依单履责、依单问责).

    The subject is an assignment in one township, a delegation, or (for the rules on list
    entries that rest on no delegation) a list entry: ``subject`` names it, unique. The store
    opens a case with its first finding, closes it as resolved by the data when its last
    finding vanishes, and reopens a closed case when a new finding joins it or the evidence of
    one changes; the office notifies the department (a deadline in working days), the
    department answers, the office closes it (``delegations.flags.cases``)."""

    Status = CaseStatus
    Answer = CaseAnswer
    Resolution = CaseResolution

    subject = models.CharField(_("subject"), max_length=60)
    county = models.ForeignKey(
        "townships.County", on_delete=models.CASCADE, related_name="+", verbose_name=_("county")
    )
    department = models.ForeignKey(
        "townships.Department", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="flag_cases", verbose_name=_("department"),
    )
    township = models.ForeignKey(
        "townships.Township", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("township"),
        help_text=_("The township of an assignment's case."),
    )
    townships = models.ManyToManyField(
        "townships.Township", related_name="flag_cases", blank=True,
        verbose_name=_("townships"), help_text=_("Every township its findings named."),
    )
    assignment = models.ForeignKey(
        "delegations.Assignment", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="flag_cases", verbose_name=_("assignment"),
    )
    delegation = models.ForeignKey(
        "delegations.Delegation", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="flag_cases", verbose_name=_("delegation"),
    )
    list_entry = models.ForeignKey(
        "duties.ListEntry", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="flag_cases", verbose_name=_("list entry"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due_on = models.DateField(_("correction deadline"), null=True, blank=True)
    notice = _text(_("correction notice"))
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("notified by"),
    )
    answer = models.CharField(_("answer"), max_length=20, choices=Answer.choices, blank=True)
    answer_note = _text(_("answer note"))
    answer_delegation = models.ForeignKey(
        "delegations.Delegation", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="answered_cases", verbose_name=_("admission request"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("answered by"),
    )
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices,
                                  blank=True)
    close_note = _text(_("closing note"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("closed by"),
    )
    history = HistoricalRecords(verbose_name=_("historical case"))

    class Meta:
        app_label = "delegations"
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["due_on", "opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"], name="case_subject_unique",
                violation_error_message=_("This subject has its case already."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[c.value for c in CaseStatus]),
                name="case_status_valid",
                violation_error_message=_("Unknown case status."),
            ),
            models.CheckConstraint(
                condition=models.Q(answer__in=["", *[c.value for c in CaseAnswer]]),
                name="case_answer_valid",
                violation_error_message=_("Unknown answer."),
            ),
            models.CheckConstraint(
                condition=models.Q(resolution__in=["", *[c.value for c in CaseResolution]]),
                name="case_resolution_valid",
                violation_error_message=_("Unknown resolution."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | ~models.Q(resolution=""),
                name="case_closed_has_resolution",
                violation_error_message=_("A closed case needs its resolution."),
            ),
            models.CheckConstraint(
                condition=~models.Q(resolution="dismissed") | ~models.Q(close_note=""),
                name="case_dismissal_explained",
                violation_error_message=_("A dismissal must state its reason."),
            ),
            models.CheckConstraint(
                condition=~models.Q(answer="disputed") | ~models.Q(answer_note=""),
                name="case_dispute_explained",
                violation_error_message=_("A dispute must state its reason."),
            ),
        ]
        indexes = [
            models.Index(fields=["county", "status", "due_on"], name="case_county_queue"),
            models.Index(fields=["department", "status", "due_on"], name="case_department_queue"),
            models.Index(fields=["township", "status", "due_on"], name="case_township_queue"),
        ]

    def __str__(self):
        return self.subject

    def is_overdue(self, today=None) -> bool:
        """Notified and past its deadline, not yet answered."""
        today = today or timezone.localdate()
        return self.status == self.Status.NOTIFIED and self.due_on is not None and self.due_on < today


# --- legal sources by place -----------------------------------------------------------------
# The provincial-level divisions of GB/T 2260 (the first two digits of a county's code) and
# their names, as the office sees them in the admin. Names are data: kept in Chinese.
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}


def province_choices():
    return [(code, f"{code} {name}") for code, name in PROVINCES.items()]


def rule_choices():
    """The flag rules (registry order) as choices: code → the rule's title. Read when first
    needed: the rules query the models defined here."""
    from delegations.flags.registry import RULES
    import delegations.flags.rules  # noqa: F401  (registers the rules)

    return [(code, rule.title) for code, rule in RULES.items()]


class ProvinceSource(models.Model):
    """A province's own regulation for one rule: cited after the rule's national source in
    the flags of the counties of that province (``delegations.flags.legal_sources``). The
    office sets it once in the admin; a county office only for its own province."""

    province = models.CharField(
        _("province"), max_length=2, choices=province_choices,
        help_text=_("The provincial-level division, by its code in the national standard of "
                    "division codes (GB/T 2260): the first two digits of its counties' codes."),
    )
    rule = models.CharField(_("rule"), max_length=40, choices=rule_choices)
    text = models.TextField(
        _("citation"), max_length=TEXT, validators=[MaxLengthValidator(TEXT)],
        help_text=_("The province's document as the flags cite it, e.g. its number, title and "
                    "article; shown after the national source."),
    )
    history = HistoricalRecords(verbose_name=_("historical province source"))

    class Meta:
        app_label = "delegations"
        verbose_name = _("province's legal source")
        verbose_name_plural = _("provinces' legal sources")
        ordering = ["province", "rule"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(province__in=list(PROVINCES)),
                name="province_source_province_valid",
                violation_error_message=_(
                    "A province code is the two-digit code of a provincial-level division in "
                    "the national standard of division codes (GB/T 2260): the first two "
                    "digits of its counties' codes."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(text=""),
                name="province_source_text_required",
                violation_error_message=_("The province's citation must not be empty."),
            ),
            models.UniqueConstraint(
                fields=["province", "rule"], name="province_source_once_per_rule",
                violation_error_message=_("This province already has a source for this rule."),
            ),
        ]

    def __str__(self):
        return f"{self.get_province_display()}：{self.get_rule_display()}"
