"""Rules for files uploaded with a delegation request (the written entrustment agreement).

The agreement is a PDF of at most 10 MB. The content is checked, not only the name: a PDF
file starts with the ``%PDF-`` signature (ISO 32000-1, 7.5.2 "File Header").

``validate_agreement_pdf`` is the one check: it is the model field's validator (so the admin
and the request pages' ModelForm run it), the workflow runs it on every upload it stores,
and ``is_pdf`` lets the download view refuse to serve anything else as a PDF.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_AGREEMENT_BYTES = 10 * 1024 * 1024
PDF_SIGNATURE = b"%PDF-"


def validate_agreement_pdf(upload) -> None:
    """Refuse an agreement upload that is over 10 MB or is not a PDF by its content.

    ``upload`` is a Django ``File`` (an ``UploadedFile`` from a form). Raises ValidationError
    with code ``too_large``, ``not_pdf`` or ``empty``; leaves the file positioned at its start.
    A file already stored (a committed ``FieldFile``) was checked when it was uploaded.
    """
    if getattr(upload, "_committed", False):
        return
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size == 0:
        raise ValidationError(_("The uploaded file is empty."), code="empty")
    if size > MAX_AGREEMENT_BYTES:
        raise ValidationError(
            _("The agreement file is larger than %(limit)s MB (it has %(size).1f MB).")
            % {"limit": MAX_AGREEMENT_BYTES // (1024 * 1024), "size": size / (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(len(PDF_SIGNATURE))
    upload.seek(0)
    if head != PDF_SIGNATURE:
        raise ValidationError(
            _("The agreement file is not a PDF document (its content lacks the PDF signature)."),
            code="not_pdf",
        )
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".pdf"):
        raise ValidationError(
            _("The agreement file must be a PDF document with the .pdf extension."),
            code="not_pdf",
        )


def is_pdf(stored) -> bool:
    """Whether a stored file starts with the PDF signature (False if it cannot be read)."""
    try:
        with stored.open("rb") as handle:
            return handle.read(len(PDF_SIGNATURE)) == PDF_SIGNATURE
    except OSError:
        return False
