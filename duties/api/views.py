"""REST API v1: the duty catalog and a township's lists (now or as they stood on a date).

The lists come from ``duties.services`` (the same answer as the township page); these views
parse the parameters, scope the querysets and serialize.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, viewsets

from duties import services
from duties.api.filters import DutyItemFilter
from duties.api.serializers import DutyItemSerializer, ListEntrySerializer, ListParamsSerializer
from duties.models import DutyItem, ListEntry, ListKind
from townships import access
from townships.api.shared import CODE_PATH, COUNTY_PARAM, CodeLookupMixin, is_code_like, scoped
from townships.models import Township


@extend_schema_view(
    list=extend_schema(summary=_("List catalog items"), tags=["reference"]),
    retrieve=extend_schema(
        summary=_("One catalog item by its code"),
        description=_(
            "Item codes are unique within a county: add ?county=<county code> when the code "
            "is used in several counties."
        ),
        tags=["reference"],
        parameters=[CODE_PATH, COUNTY_PARAM],
    ),
)
class DutyItemViewSet(CodeLookupMixin, viewsets.ReadOnlyModelViewSet):
    queryset = DutyItem.objects.all()
    serializer_class = DutyItemSerializer
    filterset_class = DutyItemFilter
    county_scoped = True

    def get_queryset(self):
        return (
            scoped(self.request, DutyItem.objects.all())
            .select_related("county", "department")
            .order_by("county__code", "code")
        )


@extend_schema(
    summary=_("A township's lists"),
    description=_(
        "The entries on the township's power, territorial, admission and reclaimed lists. "
        "Without as_of: the entries in force today. With as_of=YYYY-MM-DD: the lists as they "
        "stood at the end of that day (China time), read from the change history: each entry's "
        "version recorded by then, if its scope then covered the township and its effective "
        "window covered the day, with the catalog item as it stood that day. Anonymous users "
        "see published entries only."
    ),
    tags=["lists"],
    parameters=[
        CODE_PATH,
        OpenApiParameter("kind", OpenApiTypes.STR, enum=ListKind.values, description=_("Which list.")),
        OpenApiParameter(
            "as_of", OpenApiTypes.DATE, description=_("The day (YYYY-MM-DD) to show the lists of.")
        ),
    ],
)
class TownshipListsView(generics.ListAPIView):
    serializer_class = ListEntrySerializer
    filter_backends = []

    def get_township(self):
        code = self.kwargs["code"]
        if not is_code_like(code):
            raise exceptions.NotFound(gettext("Not a code."))
        township = (
            scoped(self.request, Township.objects.filter(code=code))
            .select_related("county")
            .first()
        )
        if township is None:
            raise exceptions.NotFound(
                gettext("No township with code “%(code)s”.") % {"code": code}
            )
        return township

    def get_queryset(self):
        params = ListParamsSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        kind = params.validated_data.get("kind")
        day = params.validated_data.get("as_of")
        township = self.get_township()
        if day is None:
            entries = scoped(self.request, ListEntry.objects.all())
            return services.current_entries(township, entries=entries, kind=kind)
        # The visibility restrict() applies to ListEntry, applied to the history rows.
        return services.entries_as_of(
            township, day, kind=kind, scope=access.scope_q(self.request.user, ListEntry)
        )
