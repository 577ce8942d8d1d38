"""The county workbook page of the admin: upload (the file, an optional effective date and
county) → preview of every sheet (a dry run of the whole import: what each sheet would
create, change or leave, the counties to be created, the effective dates the list rows get,
every error with its sheet, row and column) → confirm → import (duties.excel.workbook).

Between the preview and the confirmation the file waits in django-import-export's temporary
storage (``IMPORT_EXPORT_TMP_STORAGE_CLASS``, by default a file with a random name in the
system's temporary folder), as the single-sheet imports keep theirs; its name is also kept in
the uploader's session, and a confirmation naming a file this session did not upload is
refused, so nobody can confirm (or read) another user's upload. Only office staff (编办) may
use the page; other signed-in users get 403.

Use ``CountyWorkbookAdminMixin`` as a base of the County admin (before ``admin.ModelAdmin``).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from duties.excel.admin import county_choices, effective_from_field
from duties.excel.errors import ExcelFileError
from duties.excel.reader import XLSX, check_file, max_bytes
from duties.excel.workbook import ORDER, SHEET_NAMES, import_workbook

SESSION_KEY = "qingdan_county_workbooks"  # the temporary names this session uploaded
KEEP_UPLOADS = 5  # the most recent uploads a session may still confirm
TEMPLATE = "admin/excel/county_workbook.html"


def tmp_storage_class():
    """django-import-export's temporary storage, as its own admin picks it."""
    from import_export.tmp_storages import TempFolderStorage

    storage = getattr(settings, "IMPORT_EXPORT_TMP_STORAGE_CLASS", TempFolderStorage)
    return import_string(storage) if isinstance(storage, str) else storage


class WorkbookUploadForm(forms.Form):
    import_file = forms.FileField(
        label=_("county workbook (.xlsx)"),
        help_text=_("One .xlsx with a sheet per kind: 乡镇, 部门, 权责清单, 属地管理清单, 准入清单, "
                    "收回清单, 交办事项, 赋权委托 (any of them)."),
    )
    effective_from = effective_from_field(_(
        "The day the lists took effect, for the list rows without a 生效日期 of their own "
        "(blank: 批准日期 on the admission list, else the day of the import). The preview says "
        "which date the rows get."
    ))
    county = forms.ModelChoiceField(
        label=_("county"),
        queryset=None,
        required=False,
        help_text=_("Only when the workbook has no 乡镇 sheet naming its county (区县代码)."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = county_choices(user)

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > max_bytes():
            raise ValidationError(
                gettext("The file is %(size).1f MB; files over %(limit)s MB are refused. "
                        "Split it into smaller files.")
                % {"size": upload.size / 1024 / 1024, "limit": f"{max_bytes() / 1024 / 1024:g}"}
            )
        data = b"".join(upload.chunks())
        try:
            file_format = check_file(data, upload.name)
        except ExcelFileError as error:
            raise ValidationError(str(error)) from None
        if file_format != XLSX:
            raise ValidationError(gettext(
                "A county workbook is an .xlsx file with one sheet per kind (乡镇, 部门, 权责清单…)."
            ))
        upload.data = data
        return upload


class WorkbookConfirmForm(forms.Form):
    import_file_name = forms.CharField(widget=forms.HiddenInput())
    original_file_name = forms.CharField(widget=forms.HiddenInput())
    effective_from = forms.DateField(required=False, widget=forms.HiddenInput())
    county = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = county_choices(user)


class CountyWorkbookAdminMixin:
    """The county workbook import page (and its button on the change list) for the County
    admin."""

    change_list_template = "admin/excel/county_change_list.html"

    def has_workbook_permission(self, request) -> bool:
        from townships.access import OFFICE, role_of

        return role_of(request.user) == OFFICE

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("import-workbook/", self._office_view(self.workbook_view),
                 name="%s_%s_import_workbook" % info),
            path("import-workbook/confirm/", self._office_view(self.workbook_confirm_view),
                 name="%s_%s_import_workbook_confirm" % info),
        ] + super().get_urls()

    def _office_view(self, view):
        protected = self.admin_site.admin_view(view)

        def checked(request, *args, **kwargs):
            # Signed-in users who are not office staff get 403, not the admin's login page.
            if request.user.is_authenticated and not self.has_workbook_permission(request):
                raise PermissionDenied
            return protected(request, *args, **kwargs)

        return checked

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}),
                         "workbook_import_allowed": self.has_workbook_permission(request)}
        return super().changelist_view(request, extra_context=extra_context)

    # -- the two steps

    def workbook_view(self, request):
        if not self.has_workbook_permission(request):
            raise PermissionDenied
        form = WorkbookUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method != "POST" or not form.is_valid():
            return self._render(request, form=form)
        upload = form.cleaned_data["import_file"]
        storage = tmp_storage_class()(read_mode="rb")
        storage.save(upload.data)
        self._remember(request, storage.name)
        day, county = form.cleaned_data["effective_from"], form.cleaned_data["county"]
        report = import_workbook(upload.data, upload.name, county=county, user=request.user,
                                 dry_run=True, effective_from=day)
        confirm = None
        if report.ok:
            confirm = WorkbookConfirmForm(user=request.user, initial={
                "import_file_name": storage.name,
                "original_file_name": upload.name,
                "effective_from": day.isoformat() if day else "",
                "county": county.pk if county is not None else "",
            })
        else:
            self._forget(request, storage)
        return self._render(request, form=form, report=report, confirm_form=confirm)

    def workbook_confirm_view(self, request):
        if not self.has_workbook_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        confirm = WorkbookConfirmForm(request.POST, user=request.user)
        name = request.POST.get("import_file_name", "")
        if not confirm.is_valid() or name not in request.session.get(SESSION_KEY, []):
            messages.error(request, gettext(
                "This upload is not waiting for a confirmation any more: upload the workbook "
                "again."
            ))
            return HttpResponseRedirect(self._workbook_url())
        storage = tmp_storage_class()(name=name, read_mode="rb")
        try:
            data = storage.read()
        except OSError:
            data = None
        self._forget(request, storage)
        if not data:
            messages.error(request, gettext(
                "The uploaded workbook is gone (it is kept for a limited time): upload it again."
            ))
            return HttpResponseRedirect(self._workbook_url())
        report = import_workbook(
            data, confirm.cleaned_data["original_file_name"],
            county=confirm.cleaned_data["county"], user=request.user,
            effective_from=confirm.cleaned_data["effective_from"],
        )
        if not report.applied:
            form = WorkbookUploadForm(user=request.user)
            return self._render(request, form=form, report=report)
        messages.success(request, gettext("County %(code)s %(name)s imported from %(file)s.") % {
            "code": report.county_code, "name": report.county_name, "file": report.file_name})
        return HttpResponseRedirect(
            reverse("admin:%s_%s_changelist" % (self.opts.app_label, self.opts.model_name),
                    current_app=self.admin_site.name)
        )

    # -- helpers

    def _workbook_url(self):
        return reverse("admin:%s_%s_import_workbook" % (self.opts.app_label, self.opts.model_name),
                       current_app=self.admin_site.name)

    @staticmethod
    def _remember(request, name):
        names = [*(n for n in request.session.get(SESSION_KEY, []) if n != name), name]
        for stale in names[:-KEEP_UPLOADS]:  # too old to confirm: their files go
            try:
                tmp_storage_class()(name=stale, read_mode="rb").remove()
            except OSError:
                pass
        request.session[SESSION_KEY] = names[-KEEP_UPLOADS:]

    @staticmethod
    def _forget(request, storage):
        request.session[SESSION_KEY] = [
            n for n in request.session.get(SESSION_KEY, []) if n != storage.name
        ]
        try:
            storage.remove()
        except OSError:
            pass

    def _render(self, request, **context):
        context.update(
            self.admin_site.each_context(request),
            opts=self.opts,
            title=gettext("Import a county workbook"),
            sheet_names=[SHEET_NAMES[kind] for kind in ORDER],
            confirm_url=reverse(
                "admin:%s_%s_import_workbook_confirm" % (self.opts.app_label, self.opts.model_name),
                current_app=self.admin_site.name,
            ),
        )
        context.setdefault("report", None)
        context.setdefault("confirm_form", None)
        return TemplateResponse(request, TEMPLATE, context)
