"""Endpoints of the calls (镇呼县应): ``calls/`` (GET; POST by a township), ``calls/{id}/`` and
the steps ``route/`` (the office), ``accept/`` and ``report/`` (the lead department),
``confirm/`` and ``reopen/`` (the township).

Thin layer over ``delegations.calls.services`` (the steps) and ``delegations.calls.access``
(who sees and does what): a call the user may not see is a 404, a step the role or scope forbids
a 403, a step the call's status forbids a 409, bad input a 400. The office sees its county's
calls, a department the calls routed to it (and those naming it as co-operating), a township
its own; the public none (403).
"""

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.limits import SHORT_TEXT, TEXT
from delegations.api.shared import ID_PATH, StrictSerializer
from delegations.calls import access as call_access
from delegations.calls import services
from delegations.calls.filters import CallFilter
from delegations.calls.models import Call
from duties.models import DutyItem
from townships.api import CodeNameSerializer, find_department, is_code_like

# --- Representation ----------------------------------------------------------------------


class CallStepSerializer(serializers.Serializer):
    at = serializers.DateTimeField(read_only=True)
    user = serializers.CharField(read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)


class CallSerializer(serializers.ModelSerializer):
    """A call; ``history`` is given by the detail and the steps (null in the list)."""

    county = CodeNameSerializer(read_only=True)
    township = CodeNameSerializer(read_only=True)
    item = CodeNameSerializer(read_only=True, allow_null=True)
    list_entry = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    lead_department = CodeNameSerializer(read_only=True, allow_null=True)
    cooperating_departments = CodeNameSerializer(many=True, read_only=True)
    due_on = serializers.DateField(read_only=True, allow_null=True,
                                   help_text=_("A normal call: the working day the report is due."))
    due_at = serializers.DateTimeField(read_only=True, allow_null=True,
                                       help_text=_("An urgent call: the hour the report is due."))
    overdue = serializers.SerializerMethodField()
    answered_in_time = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "id", "status", "urgency", "county", "township", "item", "list_entry",
            "lead_department", "cooperating_departments", "found", "place", "found_at",
            "filed_at", "routed_at", "due_on", "due_at", "overdue", "accepted_at", "report",
            "reported_at", "answered_in_time", "confirmed_at", "reopen_reason", "reopened_at",
            "history",
        ]

    def get_overdue(self, call) -> bool:
        """Past the deadline and not yet reported."""
        return call.is_overdue(self.context.get("now"))

    def get_answered_in_time(self, call) -> bool | None:
        """Whether the last report came by the deadline (null before a report)."""
        return call.answered_in_time()

    @extend_schema_field(CallStepSerializer(many=True, allow_null=True))
    def get_history(self, call) -> list | None:
        if not self.context.get("detail"):
            return None
        return CallStepSerializer(services.steps_of(call), many=True).data


# --- Bodies --------------------------------------------------------------------------------


def _note(help_text=None):
    return serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT,
                                 help_text=help_text)


class CallCreateSerializer(StrictSerializer):
    entry = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1,
        help_text=_("The id of the entry of your territorial list the call is about."),
    )
    item = serializers.CharField(
        required=False, allow_null=True, default=None, max_length=64,
        help_text=_("Or the item's code (in your county); neither: something on no list."),
    )
    found = serializers.CharField(max_length=TEXT, help_text=_("What was found."))
    place = serializers.CharField(required=False, allow_blank=True, default="",
                                  max_length=SHORT_TEXT, help_text=_("Where."))
    found_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                         help_text=_("When it was found (default: now)."))
    urgency = serializers.ChoiceField(choices=Call.Urgency.choices, required=False,
                                      default=Call.Urgency.NORMAL)

    def validate_item(self, code):
        if code is None:
            return None
        township = self.context["township"]
        found = DutyItem.objects.filter(county_id=township.county_id, code=code).first() \
            if is_code_like(code) else None
        if found is None:
            raise serializers.ValidationError(
                gettext("Unknown item code “%(code)s” in your county.") % {"code": code})
        return found


class RouteSerializer(StrictSerializer):
    department = serializers.CharField(max_length=64,
                                       help_text=_("The lead department's code (the call's county)."))
    note = _note()


class NoteSerializer(StrictSerializer):
    note = _note()


class ReportSerializer(StrictSerializer):
    report = serializers.CharField(max_length=TEXT, help_text=_("What the department did."))


class ReopenSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=TEXT, help_text=_("Why the call is reopened."))


# --- Views -----------------------------------------------------------------------------------


def _step_schema(summary, request):
    return extend_schema(summary=summary, tags=["calls"], request=request, parameters=[ID_PATH],
                         responses={200: CallSerializer})


@extend_schema_view(
    list=extend_schema(
        summary=_("Calls you may see, newest first"),
        description=_(
            "A township's call on the department that keeps the main responsibility for an "
            "item of its territorial list (镇呼县应). The office sees its county's calls; a "
            "department the calls routed to it or naming it as co-operating; a township its "
            "own."
        ),
        tags=["calls"],
    ),
    retrieve=extend_schema(summary=_("One call with its history"), tags=["calls"],
                           parameters=[ID_PATH], responses={200: CallSerializer}),
    create=extend_schema(summary=_("File a call (a township, for itself)"), tags=["calls"],
                         request=CallCreateSerializer, responses={201: CallSerializer}),
)
class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    queryset = Call.objects.all()
    serializer_class = CallSerializer
    filterset_class = CallFilter
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"

    INPUTS = {"create": CallCreateSerializer, "route": RouteSerializer, "accept": NoteSerializer,
              "report": ReportSerializer, "confirm": NoteSerializer, "reopen": ReopenSerializer}

    def get_queryset(self):
        visible = call_access.visible(self.request.user)
        if self.action in self.INPUTS:
            return visible.select_related("county")
        return services.shown(visible).order_by("-filed_at", "-id")

    def get_serializer_class(self):
        return self.INPUTS.get(self.action, CallSerializer)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now(),
                "detail": self.action != "list"}

    def _input(self, **context):
        serializer = self.get_serializer_class()(
            data=self.request.data, context={**self.get_serializer_context(), **context})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _respond(self, call, code=status.HTTP_200_OK):
        """The call as it now stands, read as the detail reads it."""
        fresh = services.shown(call_access.visible(self.request.user)).filter(pk=call.pk).first()
        if fresh is None:
            raise exceptions.NotFound(gettext("No such call."))
        return Response(CallSerializer(fresh, context=self.get_serializer_context()).data,
                        status=code)

    def create(self, request, *args, **kwargs):
        township = call_access.require_filer(request.user)  # the role first: 403, whatever the body
        data = self._input(township=township)
        call = services.file_call(request.user, **data)
        return self._respond(call, status.HTTP_201_CREATED)

    @_step_schema(_("Name the lead department of a call on no list (the office)"), RouteSerializer)
    @action(detail=True, methods=["post"])
    def route(self, request, *args, **kwargs):
        data = self._input()  # the body first: a malformed one is a 400 whatever the call
        call = self.get_object()
        department = find_department(request, data["department"], call.county.code)
        return self._respond(services.route(request.user, call, department=department,
                                            note=data["note"]))

    @_step_schema(_("Accept a call (the lead department)"), NoteSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        data = self._input()
        call = self.get_object()
        return self._respond(services.accept(request.user, call, note=data["note"]))

    @_step_schema(_("Report what the department did (the lead department)"), ReportSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, *args, **kwargs):
        data = self._input()
        call = self.get_object()
        return self._respond(services.report(request.user, call, report=data["report"]))

    @_step_schema(_("Confirm the department's report (the township)"), NoteSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        data = self._input()
        call = self.get_object()
        return self._respond(services.confirm(request.user, call, note=data["note"]))

    @_step_schema(_("Reopen a reported call, with the reason (the township)"), ReopenSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        data = self._input()
        call = self.get_object()
        return self._respond(services.reopen(request.user, call, reason=data["reason"]))
