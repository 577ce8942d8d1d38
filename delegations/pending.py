"""What waits for whom: the counts on each user's desk (the home page), read from the
delegations' states in one query."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from delegations.models import Delegation, TownshipOpinion
from townships import access

State = Delegation.State

# How long a rejection stays in a department's "waiting for you" count.
REJECTED_NOTICE_DAYS = 30


def pending_for(user) -> dict:
    """What waits for ``user`` (one query): office ``to_review``/``overdue``; township
    ``awaiting_opinion`` (departments' requests naming it) and ``claims_in_review`` (its own
    claims, 认领); department ``drafts``/``in_review``/``rejected`` (rejections of the last
    REJECTED_NOTICE_DAYS days) and ``claims_to_answer`` (townships' claims of its powers
    waiting for its opinion); public ``{}``."""
    role = access.role_of(user)
    today = timezone.localdate()
    delegations = access.restrict(user, Delegation.objects.all())
    submitted = Q(state=State.SUBMITTED)
    if role == access.OFFICE:
        return delegations.aggregate(
            to_review=Count("pk", filter=submitted),
            overdue=Count("pk", filter=submitted & Q(deadline__lt=today)),
        )
    if role == access.TOWNSHIP:
        township_id = access.profile_of(user).township_id
        answered = Exists(
            TownshipOpinion.objects.filter(delegation_id=OuterRef("pk"), township_id=township_id)
        )
        claim = Q(claimed_by__isnull=False)
        return delegations.filter(submitted).alias(answered=answered).aggregate(
            awaiting_opinion=Count("pk", filter=~claim & Q(answered=False)),
            claims_in_review=Count("pk", filter=claim),
        )
    if role == access.DEPARTMENT:
        since = timezone.now() - datetime.timedelta(days=REJECTED_NOTICE_DAYS)
        return delegations.aggregate(
            drafts=Count("pk", filter=Q(state=State.DRAFT)),
            in_review=Count("pk", filter=submitted),
            rejected=Count("pk", filter=Q(state=State.REJECTED, decided_at__gte=since)),
            claims_to_answer=Count("pk", filter=submitted & Q(claimed_by__isnull=False,
                                                              department_opinion="")),
        )
    return {}
