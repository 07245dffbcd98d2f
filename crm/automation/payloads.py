"""Records as the API shows them, and the services that change them, by record type.

The core never imports a pipeline app: serializers and update services are named by dotted
path (as `crm/api.py` finds each app's `api.py`) and imported when first used.
"""

import inspect
import json
import logging
from functools import cache

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

SERIALIZERS = {
    "lead": "leads.api.LeadSerializer",
    "opportunity": "opportunities.api.OpportunitySerializer",
    "quote": "quotes.api.QuoteSerializer",
    "order": "invoices.api.OrderSerializer",
    "invoice": "invoices.api.InvoiceSerializer",
    "account": "crm.customers.api.AccountSerializer",
    "contact": "crm.customers.api.ContactSerializer",
}
# record type -> (update service, its record keyword)
UPDATERS = {
    "lead": ("leads.services.lead_update", "lead"),
    "opportunity": ("opportunities.services.opportunity_update", "opportunity"),
    "quote": ("quotes.services.quote_update", "quote"),
    "order": ("invoices.services.order_update", "order"),
    "invoice": ("invoices.services.invoice_update", "invoice"),
    "account": ("crm.customers.services.account_update", "account"),
    "contact": ("crm.customers.services.contact_update", "contact"),
}


@cache
def _serializer(record_type: str):
    path = SERIALIZERS.get(record_type)
    if not path:
        return None
    try:
        return import_string(path)
    except ImportError:
        return None


def record_payload(record_type: str, record) -> dict:
    """The record as `GET /api/v1/<resource>/{id}/` shows it (JSON-safe); `{"id"}` at least."""
    serializer = _serializer(record_type)
    if serializer is None or getattr(record, "pk", None) is None:
        return {"id": getattr(record, "pk", None)}
    try:
        data = serializer(record, context={"request": None}).data
        return json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    except Exception:  # a payload never blocks the user's save
        logger.exception("automation: cannot serialize %s %s", record_type, record.pk)
        return {"id": record.pk}


@cache
def settable_fields(record_type: str) -> frozenset[str] | None:
    """The fields the record type's update service takes (its keyword parameters, the one
    list of what may change), or None for a type without one. A rule's `set_field` names one."""
    if record_type not in UPDATERS:
        return None
    path, keyword = UPDATERS[record_type]
    parameters = inspect.signature(import_string(path)).parameters
    return frozenset(name for name, p in parameters.items() if p.kind == p.KEYWORD_ONLY
                     and name not in (keyword, "actor", "owner", "expected_version"))


def update_record(record_type: str, record, *, actor, **fields):
    """Change `record` through its app's update service (the one place its rules live)."""
    if record_type not in UPDATERS:
        raise LookupError(record_type)
    path, keyword = UPDATERS[record_type]
    service = import_string(path)
    return service(**{keyword: record}, actor=actor, **fields)
