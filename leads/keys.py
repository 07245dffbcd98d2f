"""Normalised keys for duplicate detection, computed once per lead and stored (indexed).

Their one home is `crm.common.matching` (the matcher leads, qualify and the card scanner share);
re-exported here for the lead code that reads them.
"""

from crm.common.matching import (  # noqa: F401
    FREE_MAIL_DOMAINS,
    MIN_PHONE_DIGITS,
    company_key,
    email_domain,
    email_key,
    name_key,
    phone_key,
)
