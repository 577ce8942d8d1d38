"""Admin for counties, townships, departments and user accounts (with their profile)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from duties.excel.admin import ExcelImportExportMixin
from townships.models import County, Department, DepartmentAlias, Profile, Township

# Titles of the whole admin site (this module is the first of the project's admins to load).
admin.site.site_header = _("qingdan duty lists")
admin.site.site_title = _("qingdan duty lists")
admin.site.index_title = _("Duty lists administration")


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "prefecture", "province", "township_count", "department_count"]
    list_display_links = ["code", "name"]
    list_filter = ["province", "prefecture"]
    search_fields = ["code", "name", "prefecture", "province"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _township_count=Count("townships", distinct=True),
                _department_count=Count("departments", distinct=True),
            )
        )

    @admin.display(description=_("townships"), ordering="_township_count")
    def township_count(self, obj):
        return obj._township_count

    @admin.display(description=_("departments"), ordering="_department_count")
    def department_count(self, obj):
        return obj._department_count


@admin.register(Township)
class TownshipAdmin(ExcelImportExportMixin, admin.ModelAdmin):
    list_display = ["code", "name", "county", "kind", "category", "population", "area_km2"]
    list_display_links = ["code", "name"]
    list_filter = ["county", "kind", "category"]
    list_select_related = ["county"]
    search_fields = ["code", "name", "county__name", "county__code"]
    autocomplete_fields = ["county"]


class DepartmentAliasInline(admin.TabularInline):
    model = DepartmentAlias
    extra = 1


@admin.register(Department)
class DepartmentAdmin(ExcelImportExportMixin, admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "alias_list", "kind", "county"]
    list_display_links = ["code", "name"]
    list_filter = ["county", "kind"]
    list_select_related = ["county"]
    search_fields = ["code", "name", "short_name", "aliases__name"]
    autocomplete_fields = ["county"]
    inlines = [DepartmentAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description=_("aliases"))
    def alias_list(self, obj):
        return "、".join(alias.name for alias in obj.aliases.all())


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    max_num = 1
    min_num = 0
    fields = ["role", "county", "department", "township"]
    autocomplete_fields = ["county", "department", "township"]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class QingdanUserAdmin(UserAdmin):
    """django.contrib.auth's user admin with the qingdan profile (role, department, township)."""

    inlines = [ProfileInline]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "profile__role",
        "profile__department",
        "profile__township",
        "is_staff",
        "is_active",
    ]
    list_filter = ["profile__role", "profile__county", "is_staff", "is_active", "groups"]
    list_select_related = ["profile", "profile__department", "profile__township"]
    search_fields = [
        "username",
        "first_name",
        "last_name",
        "email",
        "profile__department__name",
        "profile__township__name",
    ]
