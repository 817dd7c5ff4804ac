"""Who sees and does what in billing: the one place the UI, the API and the services ask.

Built on ``accounts.access``: a customer reaches billing data only through tickets and
contracts of its own organisation, and never sees the contractor's internal notes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.access import AccessDenied
from secondline.accounts.models import User
from secondline.billing.models import OutOfHoursRequest, Statement, StatementLine, WorkLog
from secondline.tickets.access import tickets_visible_to

if TYPE_CHECKING:
    from secondline.tickets.models import Ticket

Side = OutOfHoursRequest.Side

# Statements the customer sees: a draft is still the contractor's working copy.
CUSTOMER_STATEMENT_STATUSES = (
    Statement.Status.ISSUED,
    Statement.Status.APPROVED,
    Statement.Status.DISPUTED,
)


def _get(queryset: QuerySet, pk: int | str):
    try:
        return queryset.get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, queryset.model.DoesNotExist) as exc:
        raise Http404 from exc


def worklogs_visible_to(user: User) -> QuerySet[WorkLog]:
    return WorkLog.objects.filter(ticket__in=tickets_visible_to(user))


def get_worklog_for(user: User, pk: int | str) -> WorkLog:
    log: WorkLog = _get(worklogs_visible_to(user).select_related("ticket", "agent"), pk)
    return log


def requests_visible_to(user: User) -> QuerySet[OutOfHoursRequest]:
    return OutOfHoursRequest.objects.filter(ticket__in=tickets_visible_to(user))


def get_request_for(user: User, pk: int | str) -> OutOfHoursRequest:
    request: OutOfHoursRequest = _get(
        requests_visible_to(user).select_related("ticket", "raised_by"), pk
    )
    return request


def statements_visible_to(user: User) -> QuerySet[Statement]:
    statements = Statement.objects.filter(contract__in=access.contracts_visible_to(user))
    if user.is_contractor:
        return statements
    return statements.filter(status__in=CUSTOMER_STATEMENT_STATUSES)


def get_statement_for(user: User, pk: int | str) -> Statement:
    statement: Statement = _get(
        statements_visible_to(user).select_related("contract", "contract__customer"), pk
    )
    return statement


def get_line_for(user: User, statement: Statement, pk: int | str) -> StatementLine:
    line: StatementLine = _get(statement.lines.all(), pk)
    return line


def sees_internal_notes(user: User) -> bool:
    return user.is_contractor


def require_can_log_work(user: User, ticket: Ticket) -> None:
    """Only the contractor's staff log time on tickets."""
    if not (user.is_active and user.is_contractor):
        raise AccessDenied(_("Only the contractor's staff can log work."))


def require_can_change_worklog(user: User, log: WorkLog) -> None:
    """An agent changes their own logs; a manager changes anyone's."""
    require_can_log_work(user, log.ticket)
    if not user.is_manager and log.agent_id != user.pk:
        raise AccessDenied(_("Only the agent who logged the work or a manager can change it."))


def require_can_raise_request(user: User, ticket: Ticket) -> None:
    """The contractor's staff propose, the customer's people ask for out-of-hours work."""
    if not user.is_active:
        raise AccessDenied(_("This account is inactive."))
    if user.is_contractor:
        return
    if not user.is_customer or user.organization_id != ticket.organization_id:
        raise AccessDenied(_("Only the customer's people or the contractor can raise this."))


def approver_side(user: User, request: OutOfHoursRequest) -> str:
    """The side this user approves for, or AccessDenied saying who may.

    Contract rule: out-of-hours work is verified by the customer's responsible person (of the
    ticket's organisation) and by a contractor manager; nobody else approves for either side.
    """
    if user.is_active and user.is_manager:
        return Side.CONTRACTOR
    if (
        user.is_active
        and user.is_responsible
        and user.organization_id == request.ticket.organization_id
    ):
        return Side.CUSTOMER
    if user.is_contractor:
        raise AccessDenied(_("Only a contractor manager approves out-of-hours work for us."))
    raise AccessDenied(
        _("Only the customer's responsible person approves out-of-hours work for the customer.")
    )


def require_can_prepare_statements(user: User) -> None:
    if not (user.is_active and user.is_manager):
        raise AccessDenied(_("Only a contractor manager prepares and issues statements."))


def require_can_decide_statement(user: User, statement: Statement) -> None:
    """The customer's responsible person approves a statement or disputes its lines."""
    if not (
        user.is_active
        and user.is_responsible
        and user.organization_id == statement.contract.customer_id
    ):
        raise AccessDenied(
            _("Only the customer's responsible person approves or disputes a statement.")
        )
