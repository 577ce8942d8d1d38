"""REST API v1: ``POST townships/{code}/check/`` — "is this work on my lists?" for a task title
or a whole notice, the same answer as the township's check page (``duties.notice_check``).

Anonymous callers may check: the lists are public, and only published entries in force today
are matched, whoever asks.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from delegations.api.shared import StrictSerializer
from duties import checker
from duties.notice_check import VERDICT_CHOICES, check_notice
from duties.models import ListKind
from townships.api.shared import CODE_PATH, CodeNameSerializer, is_code_like, scoped
from townships.models import Township


def too_long_message(size: int) -> str:
    return gettext(
        "The text is too long (%(size)d KB). Paste at most %(limit)d KB: the part of the notice "
        "that describes the task is enough."
    ) % {"size": (size + 1023) // 1024, "limit": checker.MAX_TEXT_BYTES // 1024}


class CheckRequestSerializer(StrictSerializer):
    text = serializers.CharField(
        help_text=_("A task title or the whole text of a notice (at most 100 KB, UTF-8)."),
        trim_whitespace=True,
    )

    def validate_text(self, value):
        size = checker.text_bytes(value)
        if size > checker.MAX_TEXT_BYTES:
            raise serializers.ValidationError(too_long_message(size), code="too_long")
        return value


class MatchSerializer(serializers.Serializer):
    code = serializers.CharField(source="entry.item.code", help_text=_("Item code."))
    name = serializers.CharField(source="entry.item.name", help_text=_("Item name."))
    list = serializers.ChoiceField(
        source="entry.kind", choices=ListKind.choices, help_text=_("The list the entry is on.")
    )
    score = serializers.SerializerMethodField(
        help_text=_("How much the wording of the task and of the item overlap (0 to 1).")
    )

    def get_score(self, match) -> float:
        return round(match.score, 3)


class TaskVerdictSerializer(serializers.Serializer):
    text = serializers.CharField(help_text=_("The task as the notice words it."))
    verdict = serializers.ChoiceField(choices=VERDICT_CHOICES)
    matches = MatchSerializer(many=True, help_text=_("The best matches, best first."))


class CheckResultSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=VERDICT_CHOICES, help_text=_("The worst verdict of the tasks.")
    )
    issuer = CodeNameSerializer(
        allow_null=True, help_text=_("The department the notice names as its issuer, if found.")
    )
    tasks = TaskVerdictSerializer(many=True)


@extend_schema(
    summary=_("Check a task or a notice against a township's lists"),
    description=_(
        "Splits the text into its tasks (numbered items, or sentences with a task verb; a "
        "short title is one task), leaves out the form of the document (addressees, opening, "
        "closing, contact, signature, date) and words that say nothing about the duty, and "
        "matches each task against the township's published lists in force today. Each task's "
        "verdict is the list of its best match at or above the threshold (power, territorial, "
        "admission, reclaimed), else unlisted; the notice's verdict is the worst of its tasks "
        "(power, admission, territorial, unlisted, reclaimed). The issuer is the department "
        "the heading, masthead, signature or imprint names. Anonymous callers may check."
    ),
    tags=["lists"],
    parameters=[CODE_PATH],
    request=CheckRequestSerializer,
    responses={200: CheckResultSerializer},
)
class TownshipCheckView(APIView):
    permission_classes = [permissions.AllowAny]

    def post(self, request, code, **kwargs):
        # The body first: a malformed body is a 400 whatever the township.
        params = CheckRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        township = self.get_township(code)
        result = check_notice(township, params.validated_data["text"])
        return Response(CheckResultSerializer(result).data)

    def get_township(self, code):
        if not is_code_like(code):
            raise exceptions.NotFound(gettext("Not a code."))
        townships = scoped(self.request, Township.objects.filter(code=code))
        township = townships.select_related("county").first()
        if township is None:
            raise exceptions.NotFound(gettext("No township with code “%(code)s”.") % {"code": code})
        return township
