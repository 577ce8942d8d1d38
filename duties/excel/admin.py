"""Admin plumbing for Excel import and export, on top of django-import-export.

django-import-export provides the admin views (upload, preview, confirm, export form, log
entries, success message); the reading, validation and writing are duties.excel's importer
(set-based, all-or-nothing, with the contract's messy-header handling), reached through a
Resource whose ``import_data`` runs it and turns its report into an import-export Result.

Use ``ExcelImportExportMixin`` as the first base of a ModelAdmin of Township, Department or
one of the list proxies (PowerEntry, TerritorialEntry, AdmissionEntry, ReclaimedEntry).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.fields import Field
from import_export.formats.base_formats import Format
from import_export.forms import ConfirmImportForm, ExportForm, ImportForm
from import_export.resources import Resource
from import_export.results import Error, InvalidRow, Result, RowResult
import tablib

from duties.excel import spec
from duties.excel.errors import ExcelFileError
from duties.excel.exporters import export_queryset, file_name_for, template_file
from duties.excel.importers import import_file
from duties.excel.reader import check_file, max_bytes

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def kind_of_model(model) -> str | None:
    """The sheet kind an admin's model stands for."""
    from duties.models import LIST_PROXIES
    from townships.models import Department, Township

    if model is Township:
        return spec.TOWNSHIPS
    if model is Department:
        return spec.DEPARTMENTS
    for kind, proxy in LIST_PROXIES.items():
        if model is proxy:
            return str(kind)
    return None


# --------------------------------------------------------------------------- formats


class RawFile(tablib.Dataset):
    """The uploaded bytes, carried unparsed to the Resource (which knows the sheet kind)."""

    def __init__(self, data: bytes):
        super().__init__()
        self.raw = data

    def __len__(self):
        return 1 if self.raw else 0


class _Format(Format):
    def __init__(self, encoding=None):
        self.encoding = encoding


class SpreadsheetImportFormat(_Format):
    """.xlsx or .csv, told apart by content."""

    def get_title(self):
        return "xlsx / csv"

    def create_dataset(self, in_stream):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        return RawFile(in_stream)

    def get_extension(self):
        return "xlsx"

    def can_import(self):
        return True


class XlsxExportFormat(_Format):
    def get_title(self):
        return "xlsx"

    def get_extension(self):
        return "xlsx"

    def get_content_type(self):
        return XLSX_CONTENT_TYPE

    def can_export(self):
        return True


class CsvExportFormat(_Format):
    def get_title(self):
        return "csv"

    def get_extension(self):
        return "csv"

    def get_content_type(self):
        return "text/csv; charset=utf-8"

    def can_export(self):
        return True


# --------------------------------------------------------------------------- resources


class ExcelImportResult(Result):
    """An import-export Result carrying the importer's report (shown by our templates)."""

    report = None


def report_to_result(report) -> ExcelImportResult:
    result = ExcelImportResult()
    result.report = report
    result.diff_headers = list(report.headers)
    for error in report.errors:
        if error.row is None:
            result.append_base_error(Error(ExcelFileError(str(error))))
        else:
            result.invalid_rows.append(
                InvalidRow(number=error.row, validation_error=ValidationError(str(error)), values=())
            )
    for outcome in report.outcomes:
        row = RowResult()
        row.import_type = outcome.action
        row.diff = outcome.values
        row.instance = outcome.obj
        row.add_instance_info(outcome.obj)
        result.append_row_result(row)
        result.increment_row_result_total(row)
    result.total_rows = len(report.outcomes)
    return result


class SheetResource(Resource):
    """Import through duties.excel's importer; ``kind`` set by ``resource_for``."""

    kind = ""

    def __init__(self, county=None, register_aliases=False, effective_from=None, **kwargs):
        super().__init__(**kwargs)
        self.county = county
        self.register_aliases = register_aliases
        self.effective_from = effective_from

    @classmethod
    def get_display_name(cls):
        return spec.SHEETS[cls.kind].title

    def get_user_visible_fields(self):
        return [Field(column_name=header) for header in spec.SHEETS[self.kind].headers]

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        report = import_file(
            self.kind,
            getattr(dataset, "raw", b""),
            kwargs.get("file_name") or "",
            county=self.county,
            user=kwargs.get("user"),
            dry_run=dry_run,
            register_aliases=self.register_aliases,
            effective_from=self.effective_from,
        )
        return report_to_result(report)


_RESOURCES = {}


def resource_for(kind) -> type[SheetResource]:
    if kind not in _RESOURCES:
        _RESOURCES[kind] = type(f"{kind.title()}SheetResource", (SheetResource,), {"kind": kind})
    return _RESOURCES[kind]


# --------------------------------------------------------------------------- forms


def county_choices(user):
    """The counties an import form offers ``user``: its office's county, or every county."""
    from townships.access import office_county_id
    from townships.models import County

    queryset = County.objects.order_by("code")
    county_id = office_county_id(user) if user is not None else None
    return queryset.filter(pk=county_id) if county_id is not None else queryset


def effective_from_field(help_text):
    """The import-wide effective date of a list import (docs/excel.md, 生效日期)."""
    return forms.DateField(
        label=_("effective from"), required=False, help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ExcelImportForm(ImportForm):
    county = forms.ModelChoiceField(
        label=_("county"),
        queryset=None,
        required=False,
        help_text=_("The county whose list the file is. For townships and departments it may be "
                    "left blank: each row then names its county (区县代码)."),
    )
    effective_from = effective_from_field(_(
        "The day the list took effect, for the rows without a 生效日期 of their own (blank: "
        "批准日期 on the admission list, else the day of the import). The preview says which "
        "date the rows get."
    ))
    field_order = ["resource", "county", "import_file", "format", "effective_from"]

    def __init__(self, formats, resources, *, user=None, kind="", **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.kind = kind
        queryset = county_choices(user)
        self.fields["county"].queryset = queryset
        if kind in spec.LIST_KINDS:
            self.fields["county"].required = True
            self.fields["county"].help_text = ""
        else:
            del self.fields["effective_from"]
        if "county" not in self.initial and queryset.count() == 1:
            self.initial["county"] = queryset.first().pk

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > max_bytes():
            raise ValidationError(
                gettext("The file is %(size).1f MB; files over %(limit)s MB are refused. "
                        "Split it into smaller files.")
                % {"size": upload.size / 1024 / 1024, "limit": f"{max_bytes() / 1024 / 1024:g}"}
            )
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        try:
            check_file(data, upload.name)
        except ExcelFileError as error:
            raise ValidationError(str(error)) from None
        return upload


class ExcelConfirmImportForm(ConfirmImportForm):
    county = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput())
    effective_from = forms.DateField(required=False, widget=forms.HiddenInput())
    register_aliases = forms.BooleanField(
        label=_("Register the department names read by their normalised form (listed below) "
                "as aliases of their departments"),
        required=False,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = county_choices(user)


# --------------------------------------------------------------------------- the mixin


class ExcelImportExportMixin(ImportExportMixin):
    """Excel import (with preview) and export for the admin of Township, Department or a list
    proxy. Import is for the compilation office only."""

    excel_kind = None  # derived from the model when None
    import_formats = [SpreadsheetImportFormat]
    export_formats = [XlsxExportFormat, CsvExportFormat]
    import_form_class = ExcelImportForm
    confirm_form_class = ExcelConfirmImportForm
    export_form_class = ExportForm
    import_template_name = "admin/excel/import.html"

    def get_excel_kind(self) -> str:
        return self.excel_kind or kind_of_model(self.model)

    def get_resource_classes(self, request):
        return [resource_for(self.get_excel_kind())]

    # -- permissions

    def has_import_permission(self, request):
        from townships.access import OFFICE, role_of

        return role_of(request.user) == OFFICE and super().has_import_permission(request)

    # -- import

    def get_import_form_kwargs(self, request):
        kwargs = super().get_import_form_kwargs(request)
        kwargs.update(user=request.user, kind=self.get_excel_kind())
        return kwargs

    def get_confirm_form_kwargs(self, request, import_form=None):
        kwargs = super().get_confirm_form_kwargs(request, import_form)
        kwargs["user"] = request.user
        return kwargs

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            county = import_form.cleaned_data.get("county")
            initial["county"] = county.pk if county is not None else ""
            day = import_form.cleaned_data.get("effective_from")
            initial["effective_from"] = day.isoformat() if day else ""
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        county, register_aliases, effective_from = None, False, None
        if form is not None and form.is_bound and hasattr(form, "cleaned_data"):
            county = form.cleaned_data.get("county")
            register_aliases = bool(form.cleaned_data.get("register_aliases"))
            effective_from = form.cleaned_data.get("effective_from")
        return {"county": county, "register_aliases": register_aliases,
                "effective_from": effective_from}

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ExcelFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["excel_sheet"] = spec.SHEETS[self.get_excel_kind()]
        return context

    def process_result(self, result, request):
        report = getattr(result, "report", None)
        if report is not None and report.errors:
            for message in report.messages[:50]:
                messages.error(request, message)
            return HttpResponseRedirect(
                reverse("admin:%s_%s_import" % self.get_model_info(), current_app=self.admin_site.name)
            )
        return super().process_result(result, request)

    # -- blank template

    def get_urls(self):
        info = self.get_model_info()
        urls = [
            path(
                "excel-template/",
                self.admin_site.admin_view(self.excel_template_view),
                name="%s_%s_excel_template" % info,
            )
        ]
        return urls + super().get_urls()

    def excel_template_view(self, request):
        if not (self.has_import_permission(request) or self.has_view_permission(request)):
            raise PermissionDenied
        kind = self.get_excel_kind()
        response = HttpResponse(template_file(kind), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = (
            f'attachment; filename="{file_name_for(kind, template=True)}"'
        )
        return response

    # -- export

    def _export_scope(self, request, queryset):
        """The county and township the title names: from the change list's filters, else the
        one county all exported rows belong to."""
        from townships.models import County, Township

        kind = self.get_excel_kind()
        county = township = None
        for parameter in ("item__county__id__exact", "county__id__exact", "county"):
            value = request.GET.get(parameter)
            if value and value.isdigit():
                county = County.objects.filter(pk=value).first()
                break
        value = request.GET.get("township")
        if kind in spec.LIST_KINDS and value and value.isdigit():
            township = Township.objects.select_related("county").filter(pk=value).first()
            county = county or (township.county if township else None)
        if county is None:
            path_to_county = "item__county" if kind in spec.LIST_KINDS else "county"
            ids = list(
                queryset.order_by().values_list(f"{path_to_county}_id", flat=True).distinct()[:2]
            )
            if len(ids) == 1:
                county = County.objects.filter(pk=ids[0]).first()
        return county, township

    def get_export_data(self, file_format, request, queryset, **kwargs):
        if not self.has_export_permission(request):
            raise PermissionDenied
        county, township = self._export_scope(request, queryset)
        fmt = "csv" if isinstance(file_format, CsvExportFormat) else "xlsx"
        return export_queryset(
            self.get_excel_kind(), queryset, county=county, township=township, fmt=fmt
        )

    def get_export_filename(self, request, queryset, file_format):
        county, township = self._export_scope(request, queryset)
        return file_name_for(
            self.get_excel_kind(), county=county, township=township,
            fmt=file_format.get_extension(),
        )
