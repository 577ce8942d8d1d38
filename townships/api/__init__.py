"""REST API v1 of the reference data (``views``, ``serializers``, ``filters``) and the pieces
every app's API shares (``shared``: scoped querysets, codes in paths and parameters, the
code-and-name serializer), re-exported here."""

from townships.api.shared import (
    CODE_PATH,
    COUNTY_PARAM,
    CodeChoiceField,
    CodeFilter,
    CodeLookupMixin,
    CodeNameSerializer,
    bad_parameter,
    departments_of_county_param,
    find_department,
    is_code_like,
    scoped,
)

__all__ = [
    "CODE_PATH",
    "COUNTY_PARAM",
    "CodeChoiceField",
    "CodeFilter",
    "CodeLookupMixin",
    "CodeNameSerializer",
    "bad_parameter",
    "departments_of_county_param",
    "find_department",
    "is_code_like",
    "scoped",
]
