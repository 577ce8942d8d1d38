"""Endpoints of the cases (the findings about one subject and the response loop on them):
``cases/``, ``cases/{id}/`` and the steps ``notify/``, ``answer/``, ``close/``.

Thin layer over ``delegations.flags.cases`` (the steps) and ``delegations.flags.case_access``
(who sees and does what): a case the user may not see is a 404, a step the role or scope
forbids a 403, a step the case's status forbids a 409, bad input a 400.
"""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.limits import TEXT
from delegations.api.flags import FlagSerializer
from delegations.api.shared import ID_PATH, StrictSerializer
from delegations.flags import RULES, StoredFlagQuery, case_access, cases
from delegations.flags.case_filters import CaseFilter
from delegations.flags.models import Case, Finding
from townships import access
from townships.api import CodeNameSerializer

# --- Representation ----------------------------------------------------------------------


class CaseRuleSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    severity = serializers.ChoiceField(choices=["error", "warning"], read_only=True)


class CaseSubjectSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["assignment", "delegation", "list_entry"],
                                   read_only=True)
    assignment = serializers.IntegerField(read_only=True, allow_null=True)
    delegation = serializers.IntegerField(read_only=True, allow_null=True)
    list_entry = serializers.IntegerField(read_only=True, allow_null=True)


class CaseStepSerializer(serializers.Serializer):
    at = serializers.DateTimeField(read_only=True)
    user = serializers.CharField(read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)


def rules_of(case) -> list[dict]:
    """The rules of the case's findings (prefetched), in registry order."""
    codes = {f.rule for f in case.findings.all()}
    return [{"code": code, "title": str(RULES[code].title), "severity": RULES[code].severity}
            for code in RULES if code in codes]


def subject_of(case) -> dict:
    kind = case.subject.split(":", 1)[0]
    return {
        "kind": "list_entry" if kind == "entry" else kind,
        "assignment": case.assignment_id,
        "delegation": case.delegation_id,
        "list_entry": case.list_entry_id,
    }


class CaseSerializer(serializers.ModelSerializer):
    """A case; ``flags`` and ``history`` are given by the detail and the steps (null in the
    list)."""

    subject = serializers.SerializerMethodField()
    county = CodeNameSerializer(read_only=True)
    department = CodeNameSerializer(read_only=True, allow_null=True)
    township = CodeNameSerializer(read_only=True, allow_null=True)
    townships = CodeNameSerializer(many=True, read_only=True)
    rules = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    answer_delegation = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    deadline = serializers.DateField(source="due_on", read_only=True, allow_null=True,
                                     help_text=_("The day the correction is due."))
    flags = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "status", "subject", "county", "department", "township", "townships", "rules",
            "findings", "opened_at", "deadline", "overdue", "notice", "notified_at", "answer",
            "answer_note", "answer_delegation", "answered_at", "resolution", "close_note",
            "closed_at", "flags", "history",
        ]

    @extend_schema_field(CaseSubjectSerializer)
    def get_subject(self, case) -> dict:
        return subject_of(case)

    @extend_schema_field(CaseRuleSerializer(many=True))
    def get_rules(self, case) -> list[dict]:
        return rules_of(case)

    def get_findings(self, case) -> int:
        """How many findings the case holds now."""
        return len(case.findings.all())

    def get_overdue(self, case) -> bool:
        return case.is_overdue(self.context.get("today"))

    @extend_schema_field(FlagSerializer(many=True, allow_null=True))
    def get_flags(self, case) -> list | None:
        """The case's findings the user may see (a township: those in its township)."""
        if not self.context.get("detail"):
            return None
        scope = access.flag_filters(self.context["request"].user)
        return FlagSerializer(list(StoredFlagQuery(case=case, **scope)), many=True).data

    @extend_schema_field(CaseStepSerializer(many=True, allow_null=True))
    def get_history(self, case) -> list | None:
        if not self.context.get("detail"):
            return None
        return CaseStepSerializer(cases.steps_of(case), many=True).data


# --- Step bodies ---------------------------------------------------------------------------


def _note(required_help=None):
    return serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT,
                                 help_text=required_help)


class NotifySerializer(StrictSerializer):
    deadline = serializers.DateField(
        required=False, allow_null=True, default=None,
        help_text=_("The day the correction is due (default: 10 working days from today)."),
    )
    note = _note(_("The notice's text."))


class AnswerSerializer(StrictSerializer):
    answer = serializers.ChoiceField(choices=Case.Answer.choices)
    delegation = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1,
        help_text=_("The admission request filed (answer admission_requested)."),
    )
    note = _note(_("Required to dispute the finding: why."))


class CloseSerializer(StrictSerializer):
    resolution = serializers.ChoiceField(choices=[
        (c.value, c.label) for c in (Case.Resolution.CORRECTED, Case.Resolution.DISMISSED,
                                     Case.Resolution.ESCALATED)
    ])
    note = _note(_("Required to dismiss the case: why it is a false alarm."))


# --- Views -----------------------------------------------------------------------------------


def _step_schema(summary, request):
    return extend_schema(summary=summary, tags=["cases"], request=request, parameters=[ID_PATH],
                         responses={200: CaseSerializer})


@extend_schema_view(
    list=extend_schema(
        summary=_("Cases you may see, the office's queue first: by deadline"),
        description=_(
            "A case is the findings about one subject (an assignment in one township, a "
            "delegation, or a list entry). The office sees its county's cases; a department "
            "the cases naming it; a township the cases about it."
        ),
        tags=["cases"],
    ),
    retrieve=extend_schema(
        summary=_("One case with its flags and its history"), tags=["cases"],
        parameters=[ID_PATH], responses={200: CaseSerializer},
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Case.objects.all()
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"

    INPUTS = {"notify": NotifySerializer, "answer": AnswerSerializer, "close": CloseSerializer}

    def get_queryset(self):
        visible = case_access.visible(self.request.user)
        if self.action in self.INPUTS:
            return visible  # the step's service reads what it needs; _respond prefetches
        return self._shown(visible)

    @staticmethod
    def _shown(queryset):
        """With what the representation reads, in the queue's order."""
        return cases.in_queue_order(
            queryset.select_related("county", "department", "township").prefetch_related(
                "townships",
                Prefetch("findings", queryset=Finding.objects.only("id", "case_id", "rule")),
            )
        )

    def get_serializer_class(self):
        return self.INPUTS.get(self.action, CaseSerializer)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate(),
                "detail": self.action != "list"}

    def _input(self):
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _respond(self, case):
        """The case as it now stands, read as the detail reads it."""
        fresh = self._shown(case_access.visible(self.request.user)).filter(pk=case.pk).first()
        if fresh is None:
            raise exceptions.NotFound(gettext("No such case."))
        return Response(CaseSerializer(fresh, context=self.get_serializer_context()).data)

    @_step_schema(_("Send the department a correction notice (the office)"), NotifySerializer)
    @action(detail=True, methods=["post"])
    def notify(self, request, *args, **kwargs):
        data = self._input()  # the body first: a malformed one is a 400 whatever the case
        case = self.get_object()
        return self._respond(cases.notify(request.user, case, deadline=data["deadline"],
                                          note=data["note"]))

    @_step_schema(_("Answer a correction notice (the department)"), AnswerSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, *args, **kwargs):
        data = self._input()  # the body first: a malformed one is a 400 whatever the case
        case = self.get_object()
        return self._respond(cases.answer(request.user, case, answer=data["answer"],
                                          delegation=data["delegation"], note=data["note"]))

    @_step_schema(_("Close a case: corrected, dismissed or escalated (the office)"),
                  CloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        data = self._input()  # the body first: a malformed one is a 400 whatever the case
        case = self.get_object()
        return self._respond(cases.close(request.user, case, resolution=data["resolution"],
                                         note=data["note"]))
