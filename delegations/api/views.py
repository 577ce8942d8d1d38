"""Endpoints of delegations (with their workflow steps) and assignments.

Thin layer: bodies are parsed and codes resolved by the serializers; every rule (who may do
what, which state allows which step) lives in ``delegations.workflow`` and
``townships.access``, whose errors the project's exception handler turns into 400/403/404/409.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from delegations import assignments, workflow
from delegations.api.filters import AssignmentFilter, DelegationFilter
from delegations.api.serializers import (
    AssignmentCreateSerializer,
    AssignmentSerializer,
    ClaimCreateSerializer,
    DecideSerializer,
    DelegationCreateSerializer,
    DelegationSerializer,
    DepartmentOpinionSerializer,
    OpinionInputSerializer,
    RespondSerializer,
    ReviewSerializer,
    RevokeSerializer,
    WithdrawSerializer,
)
from delegations.api.shared import ID_PATH, EmptySerializer
from delegations.models import Assignment, Delegation, TownshipOpinion
from townships import access
from townships.api import scoped


def _step_schema(summary, request):
    return extend_schema(
        summary=summary,
        tags=["delegations"],
        request=request,
        parameters=[ID_PATH],
        responses={200: DelegationSerializer},
    )


@extend_schema_view(
    list=extend_schema(summary=_("List delegations you may see"), tags=["delegations"]),
    retrieve=extend_schema(
        summary=_("One delegation by id"),
        tags=["delegations"],
        parameters=[ID_PATH],
        responses={200: DelegationSerializer},
    ),
    create=extend_schema(
        summary=_("File a delegation request (draft, or submitted with submit=true)"),
        tags=["delegations"],
        request=DelegationCreateSerializer,
        responses={201: DelegationSerializer},
    ),
)
class DelegationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    queryset = Delegation.objects.all()
    serializer_class = DelegationSerializer
    filterset_class = DelegationFilter
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"

    INPUTS = {
        "create": DelegationCreateSerializer,
        "claim": ClaimCreateSerializer,
        "submit": EmptySerializer,
        "withdraw": WithdrawSerializer,
        "opinion": OpinionInputSerializer,
        "department_opinion": DepartmentOpinionSerializer,
        "respond": RespondSerializer,
        "review": ReviewSerializer,
        "decide": DecideSerializer,
        "revoke": RevokeSerializer,
    }

    def _scoped(self):
        return scoped(self.request, Delegation.objects.all()).select_related(
            "department__county", "claimed_by")

    def _full(self):
        """With what the representation reads: the opinions the user may read only."""
        opinions = access.restrict(self.request.user, TownshipOpinion.objects.all())
        return self._scoped().prefetch_related(
            "duty_items",
            "townships",
            "revocations__townships",
            "revocations__duty_items",
            Prefetch(
                "opinions",
                queryset=opinions.select_related("township").order_by("township__code"),
                to_attr="visible_opinions",
            ),
        )

    def get_queryset(self):
        if self.action in self.INPUTS and self.action not in ("create", "claim"):
            return self._scoped()  # the step's service reads what it needs; _respond prefetches
        return self._full().order_by("-created_at", "-id")

    def get_serializer_class(self):
        return self.INPUTS.get(self.action, DelegationSerializer)

    def _respond(self, delegation, code=status.HTTP_200_OK):
        """The delegation as it now stands, read with the list's prefetching."""
        fresh = self._full().filter(pk=delegation.pk).first() or delegation
        return Response(
            DelegationSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    def _input(self, **context):
        serializer = self.get_serializer(
            data=self.request.data, context={**self.get_serializer_context(), **context}
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        context = {**self.get_serializer_context(), "warnings": workflow.warnings_by_delegation(rows)}
        data = DelegationSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def create(self, request, *args, **kwargs):
        delegation = workflow.create_request(request.user, **self._input())
        return self._respond(delegation, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Claim powers a department holds, for your own township (认领)"),
        tags=["delegations"],
        request=ClaimCreateSerializer,
        responses={201: DelegationSerializer},
    )
    @action(detail=False, methods=["post"])
    def claim(self, request, *args, **kwargs):
        data = self._input()
        township = access.township_of(request.user)
        if township is None:
            raise workflow.NotAllowed(_("Only the township itself may claim a power for it."))
        delegation = workflow.file_claim(request.user, township=township, **data)
        return self._respond(delegation, status.HTTP_201_CREATED)

    @_step_schema(_("Submit a draft request"), EmptySerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        delegation = self.get_object()
        self._input()
        return self._respond(workflow.submit_request(request.user, delegation))

    @_step_schema(_("Withdraw a request"), WithdrawSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        delegation = self.get_object()
        data = self._input()
        return self._respond(
            workflow.withdraw_request(request.user, delegation, comment=data["comment"])
        )

    @_step_schema(_("Give a township's opinion on a request"), OpinionInputSerializer)
    @action(detail=True, methods=["post"])
    def opinion(self, request, *args, **kwargs):
        delegation = self.get_object()
        data = self._input()
        return self._respond(
            workflow.give_opinion(
                request.user, delegation, data["township"], data["opinion"], text=data["text"]
            )
        )

    @_step_schema(_("The opinion of the department holding the claimed powers"),
                  DepartmentOpinionSerializer)
    @action(detail=True, methods=["post"], url_path="department-opinion")
    def department_opinion(self, request, *args, **kwargs):
        delegation = self.get_object()
        data = self._input()
        return self._respond(workflow.give_department_opinion(request.user, delegation, **data))

    @_step_schema(_("Answer a township's objection (the office)"), RespondSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request, *args, **kwargs):
        delegation = self.get_object()
        data = self._input()
        return self._respond(
            workflow.respond_to_objection(
                request.user, delegation, data["township"], data["response"]
            )
        )

    @_step_schema(_("Record the legality review of a request"), ReviewSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, *args, **kwargs):
        delegation = self.get_object()
        data = self._input()
        return self._respond(
            workflow.record_legal_review(request.user, delegation, data["result"], note=data["note"])
        )

    @_step_schema(_("Approve or reject a submitted request"), DecideSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        delegation = self.get_object()
        data = self._input()
        return self._respond(workflow.decide_request(request.user, delegation, **data))

    @_step_schema(_("Revoke an approved delegation, or some of its townships or items"),
                  RevokeSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        delegation = self.get_object()
        data = self._input(delegation=delegation)
        return self._respond(workflow.revoke_delegation(request.user, delegation, **data))


@extend_schema_view(
    list=extend_schema(summary=_("List assignments you may see"), tags=["assignments"]),
    retrieve=extend_schema(
        summary=_("One assignment by id"),
        tags=["assignments"],
        parameters=[ID_PATH],
        responses={200: AssignmentSerializer},
    ),
    create=extend_schema(
        summary=_("Log an assignment (a department) or report one (a township)"),
        tags=["assignments"],
        request=AssignmentCreateSerializer,
        responses={201: AssignmentSerializer},
    ),
)
class AssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    queryset = Assignment.objects.all()
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            scoped(self.request, Assignment.objects.all())
            .select_related("department__county", "duty_item", "reporting_township")
            .prefetch_related("townships")
            .order_by("-assigned_on", "-id")
        )

    def get_serializer_class(self):
        return AssignmentCreateSerializer if self.action == "create" else AssignmentSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = assignments.record_assignment(request.user, **serializer.validated_data)
        fresh = self.get_queryset().filter(pk=assignment.pk).first() or assignment
        return Response(
            AssignmentSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
