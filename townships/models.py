"""Who is who: counties, their townships and departments, and the users tied to them."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

COUNTY_CODE_RE = r"^[0-9]{6}$"
TOWNSHIP_CODE_RE = r"^[0-9]{9}$"


class County(models.Model):
    """A county-level division (县 / 区 / 县级市) with its 6-digit division code."""

    code = models.CharField(
        _("division code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(COUNTY_CODE_RE, _("A county code is 6 digits."))],
    )
    name = models.CharField(_("name"), max_length=50)
    prefecture = models.CharField(_("prefecture"), max_length=50, blank=True)
    province = models.CharField(_("province"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=COUNTY_CODE_RE),
                name="county_code_6_digits",
                violation_error_message=_("A county code is 6 digits."),
            ),
        ]

    def __str__(self):
        return self.name


class TownshipKind(models.TextChoices):
    TOWN = "town", _("town (镇)")
    TOWNSHIP = "township", _("township (乡)")
    SUBDISTRICT = "subdistrict", _("sub-district (街道)")
    SUMU = "sumu", _("sumu (苏木)")


class TownshipCategory(models.TextChoices):
    GENERAL = "general", _("general (一般)")
    LARGE = "large", _("large (较大)")
    EXTRA_LARGE = "extra_large", _("extra large (特大)")


class Township(models.Model):
    """A township (乡镇 / 街道 / 苏木): the level whose duty lists qingdan keeps."""

    Kind = TownshipKind
    Category = TownshipCategory

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="townships", verbose_name=_("county")
    )
    code = models.CharField(
        _("division code"),
        max_length=9,
        unique=True,
        validators=[RegexValidator(TOWNSHIP_CODE_RE, _("A township code is 9 digits."))],
    )
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.TOWN)
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.GENERAL
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    area_km2 = models.DecimalField(
        _("area (km²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=TOWNSHIP_CODE_RE),
                name="township_code_9_digits",
                violation_error_message=_("A township code is 9 digits."),
            ),
            models.UniqueConstraint(
                fields=["county", "name"],
                name="township_name_unique_in_county",
                violation_error_message=_("This county already has a township of that name."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in TownshipKind]),
                name="township_kind_valid",
                violation_error_message=_("Unknown township kind."),
            ),
            models.CheckConstraint(
                condition=Q(category__in=[c.value for c in TownshipCategory]),
                name="township_category_valid",
                violation_error_message=_("Unknown township category."),
            ),
            models.CheckConstraint(
                condition=Q(area_km2__isnull=True) | Q(area_km2__gt=0),
                name="township_area_positive",
                violation_error_message=_("The area must be positive."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.county_id and self.code and not self.code.startswith(self.county.code):
            raise ValidationError(
                {"code": _("A township code starts with its county's code (%(code)s).")
                 % {"code": self.county.code}}
            )


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", _("government department (政府工作部门)")
    STATIONED = "stationed", _("stationed agency (派驻机构)")
    VERTICAL = "vertical", _("vertically managed (垂直管理部门)")
    OTHER = "other", _("other (其他)")


class Department(models.Model):
    """A county department (县直部门) or an agency stationed in townships."""

    Kind = DepartmentKind

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="departments", verbose_name=_("county")
    )
    code = models.CharField(_("department code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.GOVERNMENT
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["county__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "code"],
                name="department_code_unique_in_county",
                violation_error_message=_("This county already has a department with that code."),
            ),
            models.UniqueConstraint(
                fields=["county", "name"],
                name="department_name_unique_in_county",
                violation_error_message=_("This county already has a department of that name."),
            ),
            models.CheckConstraint(
                condition=~Q(code=""),
                name="department_code_not_blank",
                violation_error_message=_("A department needs a code."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in DepartmentKind]),
                name="department_kind_valid",
                violation_error_message=_("Unknown department kind."),
            ),
        ]

    def __str__(self):
        return self.name


class DepartmentAlias(models.Model):
    """Another name a department goes by in published sheets ("应急局" for "应急管理局")."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("department")
    )
    name = models.CharField(_("alias"), max_length=100)

    class Meta:
        verbose_name = _("department alias")
        verbose_name_plural = _("department aliases")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name"],
                name="department_alias_unique",
                violation_error_message=_("This department already has that alias."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        """An alias must not name another department of the same county (it would be ambiguous)."""
        from django.core.exceptions import ValidationError

        if not self.department_id or not self.name:
            return
        county = self.department.county_id
        clash = (
            Department.objects.filter(county_id=county)
            .exclude(pk=self.department_id)
            .filter(Q(name=self.name) | Q(short_name=self.name) | Q(aliases__name=self.name))
            .first()
        )
        if clash:
            raise ValidationError(
                {"name": _("“%(alias)s” already names %(department)s.")
                 % {"alias": self.name, "department": clash.name}}
            )


class Profile(models.Model):
    """What a user account stands for: the office, one department, or one township."""

    class Role(models.TextChoices):
        OFFICE = "office", _("compilation office (编办)")
        DEPARTMENT = "department", _("department")
        TOWNSHIP = "township", _("township")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="profiles",
        verbose_name=_("county"),
        help_text=_("For office staff: the county they work for (blank: every county)."),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="profiles",
        verbose_name=_("department"),
    )
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="profiles",
        verbose_name=_("township"),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_(
            "Set when someone else set the password (a one-time password); cleared when the "
            "user changes it. Until then every page leads to the password change page."
        ),
    )

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="office", department__isnull=True, township__isnull=True)
                    | Q(role="department", department__isnull=False, township__isnull=True)
                    | Q(role="township", township__isnull=False, department__isnull=True)
                ),
                name="profile_role_matches_unit",
                violation_error_message=_(
                    "A department user names exactly one department, a township user exactly one "
                    "township, and office staff neither."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"
