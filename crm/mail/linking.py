"""Which record a tracked message regards (PROCESS.md "Linking"), and which mail is tracked.

Order: a thread already linked -> a document number in the subject (pipeline apps register the
patterns) -> a participant's address matching a contact -> an open lead by e-mail (registered
by the leads app) -> the sender's domain matching an account's website or its contacts'
addresses (never for free-mail domains) -> unlinked.

`LinkContext` answers the address questions for a whole batch of messages in a few queries, so
a sync of thousands of messages does not cost a query per participant.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Lower

from crm.customers.models import Account, Contact

from . import registry

# Record types a message can be linked to by hand (the activity's regarding types).
LINKABLE_TYPES = ("account", "contact", "lead", "opportunity", "quote", "order", "invoice")


@dataclass
class LinkResult:
    record_type: str
    record_id: int
    rule: str


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower() if "@" in (address or "") else ""


def is_freemail(domain: str) -> bool:
    domain = (domain or "").lower()
    for entry in settings.CRM_MAIL_FREEMAIL_DOMAINS:
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry.endswith("."):  # "gmx." matches gmx.de, gmx.net, gmx.at ...
            if domain.startswith(entry) or f".{entry}" in f".{domain}":
                return True
        elif domain == entry or domain.endswith("." + entry):
            return True
    return False


def website_domain(url: str) -> str:
    if not url:
        return ""
    host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


@dataclass
class LinkContext:
    """Address facts for a batch of messages (lower-case addresses)."""

    own_addresses: set[str] = field(default_factory=set)
    contacts: dict[str, int] = field(default_factory=dict)  # address -> contact id
    # record type -> {address: record id} from the registered address lookups (open leads)
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def build(cls, addresses, own_addresses=()) -> "LinkContext":
        addresses = sorted({a.lower() for a in addresses if a})
        ctx = cls(own_addresses={a.lower() for a in own_addresses if a})
        for start in range(0, len(addresses), 1000):
            chunk = addresses[start:start + 1000]
            rows = (Contact.objects.annotate(e1=Lower("email"), e2=Lower("email2"))
                    .filter(Q(e1__in=chunk) | Q(e2__in=chunk))
                    .order_by("-id").values_list("pk", "e1", "e2"))
            for pk, e1, e2 in rows:
                for email in (e1, e2):
                    if email and email in chunk:
                        ctx.contacts.setdefault(email, pk)
            for lookup in registry.address_lookups:
                found = lookup.lookup(chunk)
                ctx.by_type.setdefault(lookup.record_type, {}).update(found)
        return ctx

    def external(self, addresses) -> list[str]:
        """Participants other than our own mailboxes/users."""
        return [a for a in addresses if a and a not in self.own_addresses]

    def is_known(self, addresses) -> bool:
        """A known contact or open lead takes part: the message may be tracked."""
        for address in self.external(addresses):
            if address in self.contacts:
                return True
            if any(address in found for found in self.by_type.values()):
                return True
        return False


def _counterparts(parsed, incoming: bool) -> list[str]:
    """Who the message is with: the sender first for incoming mail, the recipients otherwise."""
    if incoming:
        return [parsed.from_address, *parsed.reply_to, *parsed.to, *parsed.cc]
    return [*parsed.to, *parsed.cc, *parsed.bcc]


def _by_subject(subject: str) -> LinkResult | None:
    for pattern in registry.subject_patterns:
        for match in pattern.regex.finditer(subject or ""):
            record_id = pattern.lookup(match.group(0).upper())
            if record_id:
                return LinkResult(pattern.record_type, record_id, "subject")
    return None


def _by_domain(domains: list[str]) -> LinkResult | None:
    for domain in domains:
        if not domain or is_freemail(domain):
            continue
        account_id = (Account.objects.filter(Q(website__iendswith=f"//{domain}")
                                             | Q(website__iendswith=f"//{domain}/")
                                             | Q(website__iendswith=f".{domain}")
                                             | Q(website__iendswith=f".{domain}/")
                                             | Q(website__iexact=domain))
                      .order_by("pk").values_list("pk", flat=True).first())
        if account_id is None:
            account_id = (Contact.objects.filter(account__isnull=False,
                                                 email__iendswith=f"@{domain}")
                          .order_by("pk").values_list("account_id", flat=True).first())
        if account_id:
            return LinkResult("account", account_id, "domain")
    return None


def resolve(*, parsed, incoming: bool, thread, ctx: LinkContext) -> LinkResult | None:
    """The record a message regards, by the rules in order (None: unlinked)."""
    if thread is not None and thread.regarding_type and thread.regarding_id:
        return LinkResult(thread.regarding_type, thread.regarding_id, "thread")
    found = _by_subject(parsed.subject)
    if found:
        return found
    people = ctx.external(_counterparts(parsed, incoming))
    for address in people:
        if address in ctx.contacts:
            return LinkResult("contact", ctx.contacts[address], "contact")
    for lookup in registry.address_lookups:
        found_ids = ctx.by_type.get(lookup.record_type, {})
        for address in people:
            if address in found_ids:
                return LinkResult(lookup.record_type, found_ids[address], lookup.record_type)
    domains = []
    for address in people:
        domain = domain_of(address)
        if domain and domain not in domains:
            domains.append(domain)
    own_domains = {domain_of(a) for a in ctx.own_addresses}
    return _by_domain([d for d in domains if d not in own_domains])
