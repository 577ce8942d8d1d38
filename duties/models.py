"""The duty catalog and the four lists a county publishes for its townships."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.limits import LONG_TEXT, TEXT
from townships.models import County, Department, Township


def bounded_text(verbose_name, limit: int, **kwargs) -> models.TextField:
    """Free text of at most ``limit`` characters (``config.limits``): forms say so (maxlength)
    and refuse more, and so does ``full_clean`` (imports, services)."""
    return models.TextField(
        verbose_name, blank=True, max_length=limit, validators=[MaxLengthValidator(limit)], **kwargs
    )


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
    legal_basis = bounded_text(_("legal basis"), LONG_TEXT)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duty_items",
        verbose_name=_("owning department"),
        help_text=_("The county department that owns or guides this item (blank: the township's own)."),
    )
    responsibility_stages = bounded_text(_("responsibility stages"), LONG_TEXT)
    accountability_cases = bounded_text(_("accountability cases"), LONG_TEXT)
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


# --- What an entry covers and when: the one definition of each, for every face -------------
#
# Pages, API, admin, Excel, the checker and the flag engine all ask these; the Q builders work
# on ListEntry and on its history rows (same field names) and inside set-based SQL (a township
# or a day given as an ``OuterRef``).


def in_window(day) -> Q:
    """The entry's effective window covers ``day``: ``effective_from ≤ day`` and no
    ``effective_to`` or ``day ≤ effective_to``."""
    return Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gte=day))


def scope_covers(township, county=None, *, named=None, owner="listentry") -> Q:
    """The entry's scope covers ``township``: the entry is for every township of its item's
    county, or it names the township.

    ``township`` is a Township, its pk or an ``OuterRef`` (set-based SQL); ``county`` its
    county (default ``township.county_id``). ``named`` is the table naming the entries'
    townships and ``owner`` its column pointing at the entry row (default ListEntry's M2M
    table; the history rows pass their snapshot table, see :func:`history_scope_covers`).
    """
    if named is None:
        named = ListEntry.townships.through
    if county is None:
        county = township.county_id
    county_wide = Q(all_townships=True, item__county=county)
    if isinstance(township, OuterRef):
        if named is ListEntry.townships.through:
            # Inside a subquery: a join to the named townships, not a nested EXISTS. PostgreSQL
            # (15) hashes such an EXISTS under an OR and, in a WHERE clause, kept the hash of
            # an earlier outer row: entries covering the township were missed.
            return county_wide | Q(townships=township)
        # The township of the outer row, one level further out.
        rows = named.objects.filter(**{owner: OuterRef("pk")}, township=OuterRef(township))
        return county_wide | Exists(rows)
    return county_wide | Q(pk__in=named.objects.filter(township=township).values(owner))


def history_scope_covers(township) -> Q:
    """:func:`scope_covers` for history rows of ListEntry: the scope recorded with the row."""
    return scope_covers(township, named=ListEntry.history.model.townships.model, owner="history")


class ListEntryQuerySet(models.QuerySet):
    def covering(self, township):
        """Entries whose scope covers the township (:func:`scope_covers`)."""
        return self.filter(scope_covers(township))

    def effective_on(self, day: datetime.date):
        """Entries whose effective window covers ``day`` (:func:`in_window`), drafts included."""
        return self.filter(in_window(day))

    def published(self):
        return self.filter(status=ListEntry.Status.PUBLISHED)

    def in_force(self, day: datetime.date):
        """Entries in force on ``day``: published and within their effective window."""
        return self.published().effective_on(day)


# Kept at module level: the per-list proxies below connect to the same signal handlers.
_LIST_ENTRY_HISTORY = HistoricalRecords(
    m2m_fields=["townships"], verbose_name=_("historical list entry")
)


class ListEntryStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class ListEntry(models.Model):
    """An item on one of the four lists, for every township of its county or for named ones.

    The fields after ``notes`` are list-specific (see docs/contracts.md §1); constraints below keep
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
    notes = bounded_text(_("notes"), TEXT)

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
    department_duty = bounded_text(_("department's duty"), TEXT)
    township_duty = bounded_text(_("township's duty (cooperation)"), TEXT)
    cooperating_departments = bounded_text(_("co-operating departments"), TEXT)

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
    working_method = bounded_text(_("working method"), TEXT)

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
