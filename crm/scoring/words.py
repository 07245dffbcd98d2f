"""Factor labels in words, said in the active language when shown."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def choice(title, choices, blank):
    """"Source: Employee referral"; `blank` when the field is empty."""
    labels = dict(choices)

    def describe(value):
        if value is None or value == "":
            return str(blank)
        if isinstance(value, bool):
            value_label = _("yes") if value else _("no")
        else:
            value_label = labels.get(value, value)
        return _("%(field)s: %(value)s") % {"field": title, "value": value_label}

    return describe


def count(message, none):
    """"3 emails answered in the last 14 days" from `ngettext_lazy(singular, plural, "count")`;
    `none` for zero."""

    def describe(value):
        n = int(value or 0)
        if n == 0:
            return str(none)
        return str(message % {"count": n})

    return describe


def days_since_touch(value):
    if value is None:
        return _("Never contacted")
    n = int(value)
    return ngettext("Last touched %(count)s day ago", "Last touched %(count)s days ago",
                    n) % {"count": n}


def age(value):
    n = int(value or 0)
    return ngettext("Open for %(count)s day", "Open for %(count)s days", n) % {"count": n}


def time_in_stage(value):
    n = int(value or 0)
    return ngettext("In this stage for %(count)s day", "In this stage for %(count)s days",
                    n) % {"count": n}


def owner_rate(message):
    """`message` (lazy) with %(percent)s: "Owner's win rate 62%"."""

    def describe(value):
        if value is None:
            return _("Owner has little closed history")
        return str(message % {"percent": round(100 * value)})

    return describe


def amount(title):
    def describe(value):
        if value is None:
            return _("%(field)s not given") % {"field": title}
        return _("%(field)s %(amount)s") % {"field": title, "amount": f"{float(value):,.0f}"}

    return describe


def number(title):
    def describe(value):
        if value is None:
            return _("%(field)s not given") % {"field": title}
        return _("%(field)s: %(value)s") % {"field": title, "value": f"{int(value):,}"}

    return describe
