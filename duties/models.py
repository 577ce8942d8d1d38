"""The duty catalog and the four lists a county publishes for its townships."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from townships.models import County, Department, Township


class Category(models.TextChoices):
    """Categories of power (权力类型): the ten of administrative law, public service, other."""

    LICENSING = "licensing", _("administrative licensing (行政许可)")
    PENALTY = "penalty", _("administrative penalty (行政处罚)")
    COERCION = "coercion", _("administrative coercion (行政强制)")
    LEVY = "levy", _("administrative levy (行政征收)")
    PAYMENT = "payment", _("administrative payment (行政给付)")
    INSPECTION = "inspection", _("administrative inspection (行政检查)")
    CONFIRMATION = "confirmation", _("administrative confirmation (行政确认)")
    REWARD = "reward", _("administrative reward (行政奖励)")
    ADJUDICATION = "adjudication", _("administrative adjudication (行政裁决)")
    OTHER_POWER = "other_power", _("other administrative power (其他行政权力)")
    PUBLIC_SERVICE = "public_service", _("public service (公共服务)")
    OTHER = "other", _("other (其他)")


class DutyItem(models.Model):
    """A catalog item (事项): one power or duty, whichever lists it appears on."""

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="duty_items", verbose_name=_("county")
    )
    code = models.CharField(_("item code"), max_length=64)
    name = models.CharField(_("item name"), max_length=300)
    sub_item = models.CharField(_("sub-item"), max_length=300, blank=True, default="")
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duty_items",
        verbose_name=_("owning department"),
        help_text=_("The county department that owns or guides this item (blank: the township's own)."),
    )
    responsibility_stages = models.TextField(_("responsibility stages"), blank=True)
    accountability_cases = models.TextField(_("accountability cases"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("historical duty item"))

    class Meta:
        verbose_name = _("duty item")
        verbose_name_plural = _("duty items (catalog)")
        ordering = ["county__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "code"],
                name="duty_item_code_unique_in_county",
                violation_error_message=_("This county already has an item with that code."),
            ),
            models.UniqueConstraint(
                fields=["county", "name", "sub_item"],
                name="duty_item_name_unique_in_county",
                violation_error_message=_(
                    "This county already has an item with that name and sub-item."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(code="") & ~Q(name=""),
                name="duty_item_code_and_name_not_blank",
                violation_error_message=_("An item needs a code and a name."),
            ),
            models.CheckConstraint(
                condition=Q(category__in=[c.value for c in Category]),
                name="duty_item_category_valid",
                violation_error_message=_("Unknown category."),
            ),
        ]

    def __str__(self):
        label = f"{self.name}（{self.sub_item}）" if self.sub_item else self.name
        return f"{self.code} {label}"

    def clean(self):
        if self.department_id and self.county_id and self.department.county_id != self.county_id:
            raise ValidationError(
                {"department": _("The owning department must belong to the item's county.")}
            )


class ListKind(models.TextChoices):
    POWER = "power", _("power and responsibility list (权责清单)")
    TERRITORIAL = "territorial", _("territorial management list (属地管理清单)")
    ADMISSION = "admission", _("admission list (准入清单)")
    RECLAIMED = "reclaimed", _("reclaimed items list (收回清单)")


class PowerSource(models.TextChoices):
    STATUTORY = "statutory", _("statutory (法定)")
    GRANTED = "granted", _("granted (赋权)")
    ENTRUSTED = "entrusted", _("entrusted (委托)")


class AdmissionMode(models.TextChoices):
    """How a duty was admitted; the same three modes a delegation has."""

    ASSIGN = "assign", _("assignment after admission review (交办)")
    ENTRUST = "entrust", _("entrustment (委托)")
    GRANT = "grant", _("grant (赋权)")


class ListEntryQuerySet(models.QuerySet):
    def for_township(self, township):
        """Entries whose scope covers the township: county-wide ones and those naming it."""
        return self.filter(
            Q(all_townships=True, item__county_id=township.county_id) | Q(townships=township)
        ).distinct()

    def in_force_on(self, day: datetime.date):
        return self.filter(effective_from__lte=day).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )

    def published(self):
        return self.filter(status=ListEntry.Status.PUBLISHED)


# Kept at module level: the per-list proxies below connect to the same signal handlers.
_LIST_ENTRY_HISTORY = HistoricalRecords(
    m2m_fields=["townships"], verbose_name=_("historical list entry")
)


class ListEntryStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class ListEntry(models.Model):
    """An item on one of the four lists, for every township of its county or for named ones.

    The fields after ``notes`` are list-specific (see contracts.md §1); constraints below keep
    each kind's required fields present.
    """

    Status = ListEntryStatus

    kind = models.CharField(_("list"), max_length=16, choices=ListKind.choices)
    item = models.ForeignKey(
        DutyItem, on_delete=models.PROTECT, related_name="entries", verbose_name=_("duty item")
    )
    all_townships = models.BooleanField(
        _("every township of the county"),
        default=True,
        help_text=_("Untick to apply the entry only to the townships named below."),
    )
    townships = models.ManyToManyField(
        Township, blank=True, related_name="list_entries", verbose_name=_("townships")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PUBLISHED
    )
    effective_from = models.DateField(_("effective from"), default=timezone.localdate)
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    delegation = models.ForeignKey(
        "delegations.Delegation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="list_entries",
        verbose_name=_("delegation"),
        help_text=_("The approved delegation this entry rests on, if any."),
    )
    document_no = models.CharField(
        _("adjustment document no."),
        max_length=100,
        blank=True,
        help_text=_("The document under which this entry was added or last changed."),
    )
    notes = models.TextField(_("notes"), blank=True)

    # Power list (权责清单).
    source = models.CharField(
        _("source"), max_length=16, choices=PowerSource.choices, blank=True, default=""
    )
    handling_office = models.CharField(_("handling office"), max_length=100, blank=True)

    # Territorial list (属地管理清单).
    domain = models.CharField(_("domain"), max_length=100, blank=True)
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_entries",
        verbose_name=_("lead department (main responsibility)"),
    )
    department_duty = models.TextField(_("department's duty"), blank=True)
    township_duty = models.TextField(_("township's duty (cooperation)"), blank=True)
    cooperating_departments = models.TextField(_("co-operating departments"), blank=True)

    # Admission list (准入清单).
    requesting_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="admitted_entries",
        verbose_name=_("requesting department"),
    )
    admission_mode = models.CharField(
        _("admission mode"), max_length=16, choices=AdmissionMode.choices, blank=True, default=""
    )
    approval_document = models.CharField(_("approval document no."), max_length=100, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    staff_posts = models.PositiveIntegerField(_("staff posts"), null=True, blank=True)
    funding_wan_yuan = models.DecimalField(
        _("funding (10k yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    # Reclaimed list (收回清单).
    receiving_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reclaimed_entries",
        verbose_name=_("receiving department"),
    )
    working_method = models.TextField(_("working method"), blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = _LIST_ENTRY_HISTORY

    objects = ListEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["kind", "item__code"]
        indexes = [
            models.Index(fields=["kind", "status"], name="list_entry_kind_status"),
            # The flag engine's "is it listed?" checks walk the entries of one item.
            models.Index(fields=["item", "kind"], name="list_entry_item_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in ListKind]),
                name="list_entry_kind_valid",
                violation_error_message=_("Unknown list."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ListEntryStatus]),
                name="list_entry_status_valid",
                violation_error_message=_("Unknown status."),
            ),
            models.CheckConstraint(
                condition=Q(admission_mode="") | Q(admission_mode__in=[c.value for c in AdmissionMode]),
                name="list_entry_admission_mode_valid",
                violation_error_message=_("Unknown admission mode."),
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="list_entry_window_ordered",
                violation_error_message=_("“Effective to” cannot be earlier than “effective from”."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="power", source__in=[c.value for c in PowerSource])
                    | (~Q(kind="power") & Q(source=""))
                ),
                name="list_entry_power_source",
                violation_error_message=_(
                    "A power list entry needs its source (statutory, granted or entrusted); "
                    "other lists have none."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind="territorial") | Q(lead_department__isnull=False),
                name="list_entry_territorial_lead_department",
                violation_error_message=_(
                    "A territorial list entry must name the lead department that keeps the main "
                    "responsibility."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind="admission") | ~Q(approval_document=""),
                name="list_entry_admission_approval",
                violation_error_message=_(
                    "An admission list entry must name the approval document."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind="reclaimed") | Q(receiving_department__isnull=False),
                name="list_entry_reclaimed_receiver",
                violation_error_message=_(
                    "A reclaimed list entry must name the department that took the item back."
                ),
            ),
            models.CheckConstraint(
                condition=Q(funding_wan_yuan__isnull=True) | Q(funding_wan_yuan__gte=0),
                name="list_entry_funding_not_negative",
                violation_error_message=_("Funding cannot be negative."),
            ),
            models.UniqueConstraint(
                fields=["kind", "item"],
                condition=Q(delegation__isnull=True),
                name="list_entry_item_once_per_list",
                violation_error_message=_("This item is already on that list."),
            ),
            models.UniqueConstraint(
                fields=["kind", "item", "delegation"],
                condition=Q(delegation__isnull=False),
                name="list_entry_item_once_per_delegation",
                violation_error_message=_("This delegation already put that item on that list."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.item}"

    def clean(self):
        errors = {}
        county_id = self.item.county_id if self.item_id else None
        for field in ("lead_department", "requesting_department", "receiving_department"):
            department = getattr(self, field)
            if department is not None and county_id and department.county_id != county_id:
                errors[field] = _("The department must belong to the item's county.")
        if errors:
            raise ValidationError(errors)


class _OneListManager(models.Manager.from_queryset(ListEntryQuerySet)):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def get_queryset(self):
        return super().get_queryset().filter(kind=self.kind)

    def deconstruct(self):  # managers of proxies are not serialized into migrations
        return (False, "duties.models._OneListManager", None, (self.kind,), {})


class OneListMixin:
    """Base of the per-list proxies: each sees and creates entries of one list only."""

    KIND: str = ""

    def save(self, *args, **kwargs):
        self.kind = self.KIND
        super().save(*args, **kwargs)


class PowerEntry(OneListMixin, ListEntry):
    KIND = ListKind.POWER
    objects = _OneListManager(ListKind.POWER)

    class Meta:
        proxy = True
        verbose_name = _("power list entry (权责清单)")
        verbose_name_plural = _("power list (权责清单)")


class TerritorialEntry(OneListMixin, ListEntry):
    KIND = ListKind.TERRITORIAL
    objects = _OneListManager(ListKind.TERRITORIAL)

    class Meta:
        proxy = True
        verbose_name = _("territorial list entry (属地管理清单)")
        verbose_name_plural = _("territorial list (属地管理清单)")


class AdmissionEntry(OneListMixin, ListEntry):
    KIND = ListKind.ADMISSION
    objects = _OneListManager(ListKind.ADMISSION)

    class Meta:
        proxy = True
        verbose_name = _("admission list entry (准入清单)")
        verbose_name_plural = _("admission list (准入清单)")


class ReclaimedEntry(OneListMixin, ListEntry):
    KIND = ListKind.RECLAIMED
    objects = _OneListManager(ListKind.RECLAIMED)

    class Meta:
        proxy = True
        verbose_name = _("reclaimed list entry (收回清单)")
        verbose_name_plural = _("reclaimed list (收回清单)")


LIST_PROXIES = {
    ListKind.POWER: PowerEntry,
    ListKind.TERRITORIAL: TerritorialEntry,
    ListKind.ADMISSION: AdmissionEntry,
    ListKind.RECLAIMED: ReclaimedEntry,
}


def _record_history_of_proxies():
    """django-simple-history connects its signals for ListEntry only; proxies send their own."""
    recorder = _LIST_ENTRY_HISTORY
    for proxy in LIST_PROXIES.values():
        proxy._meta.simple_history_manager_attribute = "history"
        models.signals.post_save.connect(recorder.post_save, sender=proxy, weak=False)
        models.signals.pre_delete.connect(recorder.pre_delete, sender=proxy, weak=False)
        models.signals.post_delete.connect(recorder.post_delete, sender=proxy, weak=False)


_record_history_of_proxies()
