"""Plug-in points other apps use to take part in an opportunity's life without this app
importing them (imports flow leads <- opportunities <- quotes).

`close_guards`: called inside `opportunity_win` / `opportunity_lose`, after the row is locked and
before the status changes, as

    guard(opportunity=..., actor=..., outcome="won" | "lost", close_quotes=bool,
          winning_quote=None)

A guard either raises `crm.common.errors.TransitionNotAllowed` (e.g. open quotes and not
`close_quotes`) or does its part (e.g. closes the open quotes). The quotes app registers its guard
from `quotes/apps.py` ready(): `register_close_guard(quote_close_guard)`.
"""

from collections.abc import Callable

close_guards: list[Callable] = []


def register_close_guard(guard: Callable) -> Callable:
    """Add `guard` once (ready() may run more than once in tests); returns it (decorator use)."""
    if guard not in close_guards:
        close_guards.append(guard)
    return guard


def run_close_guards(*, opportunity, actor, outcome: str, close_quotes: bool,
                     winning_quote=None) -> None:
    for guard in list(close_guards):
        guard(opportunity=opportunity, actor=actor, outcome=outcome, close_quotes=close_quotes,
              winning_quote=winning_quote)
