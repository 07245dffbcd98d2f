"""Filters and tags of the opportunity pages.

`{% board_cards cards %}` writes a board lane's cards in one pass of Python (issue 17): the
lane rendered `opportunities/_card.html` once per card (an include, five `{% url %}`, two
`{% csrf_token %}`, six translations per card: ~10 ms of a 50-card lane). It writes exactly
what that partial writes (tests/opportunities/test_board_cards.py compares them byte for byte in
every state and language): labels translated once, URLs built from patterns resolved once per
lane.
"""

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape as esc
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from crm.common.formatting import format_day, format_money
from opportunities.models import Stage, format_duration, next_stage, previous_stage

register = template.Library()

_SENTINEL = 987654321


def _pattern(url_name):
    head, _sep, tail = reverse(url_name, args=[_SENTINEL]).partition(str(_SENTINEL))
    return esc(head), esc(tail)


@register.filter
def duration(value) -> str:
    """A timedelta as "3 d 4 h" (time in stage)."""
    return format_duration(value)


@register.simple_tag(takes_context=True)
def board_cards(context, cards):
    """The `<li>` of each card, as `opportunities/_card.html` writes it."""
    csrf = context.get("csrf_token")
    csrf_input = (f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(csrf)}">'
                  if csrf and csrf != "NOTPROVIDED" else "")
    scoring_on = context.get("scoring_on")
    error = context.get("error_opportunity")
    error_pk = error.pk if error else None
    querystring = context.get("querystring")
    query = f"?{esc(querystring)}" if querystring else ""
    move, win, lose = (_pattern(n) for n in ("opportunity-move", "opportunity-win",
                                             "opportunity-lose"))
    detail = _pattern("opportunity-detail")
    board_url = esc(reverse("opportunity-board"))
    grade_label = _("Score grade")
    won, lost = _("Won"), _("Lost")
    closes = _("closes %(estimated_close_date)s")
    back_title, back_aria = _("Back to %(previous_stage_label)s"), _(
        "Move “%(topic)s” back to %(previous_stage_label)s")
    next_title, next_aria = _("Next stage: %(next_stage_label)s"), _(
        "Move “%(topic)s” to %(next_stage_label)s")
    labels = {stage: esc(str(label)) for stage, label in Stage.choices}
    movable_attrs = ' data-movable tabindex="0" aria-describedby="board-keys"'
    out = []
    for o in cards or ():  # an empty lane the board did not load has None
        pk, stage = o.pk, esc(o.stage)
        move_url = f"{move[0]}{pk}{move[1]}"
        movable = getattr(o, "movable", False)
        grade = getattr(o, "score_grade", None)
        html = [f'<li class="card{" error" if error_pk == pk else ""}" data-id="{pk}" '
                f'data-stage="{stage}" data-move-url="{move_url}"'
                f'{movable_attrs if movable else ""}>\n  ']
        if scoring_on and grade:
            html.append(f'<span class="grade grade-{esc(grade.lower())} card-grade" '
                        f'data-score-grade><span class="sr-only">{grade_label} </span>'
                        f'{esc(grade)}</span>')
        if o.account_id and o.account:
            party = esc(o.account.name)
        elif o.contact_id and o.contact:
            party = esc(o.contact.full_name)
        else:
            party = ""
        when = (closes % {"estimated_close_date": esc(format_day(o.estimated_close_date))}
                + " · " if o.estimated_close_date else "")
        html.append(
            f'\n  <a class="title" href="{detail[0]}{pk}{detail[1]}">{esc(o.topic)}</a>\n'
            f'  <div class="row"><span>{party}</span><span class="num">'
            f'{esc(format_money(o.estimated_revenue, o.currency or None))}</span></div>\n'
            f'  <div class="row"><span>{esc(o.owner)}</span><span>{when}'
            f'{esc(o.probability)}%</span></div>\n  ')
        if movable:
            topic = esc(o.topic)
            html.append('\n  <div class="card-actions">\n    ')
            before, after = previous_stage(o.stage), next_stage(o.stage)
            form_head = (f'<form method="post" action="{move_url}" class="inline" '
                         f'hx-post="{move_url}{query}" hx-target="#board" hx-swap="outerHTML">'
                         f'{csrf_input}<input type="hidden" name="from_stage" value="{stage}">')
            if before:
                label = labels[before]
                html.append(
                    f'{form_head}<button class="btn btn-small" type="submit" name="to_stage" '
                    f'value="{esc(before)}" '
                    f'title="{back_title % {"previous_stage_label": label}}" aria-label="'
                    f'{back_aria % {"topic": topic, "previous_stage_label": label}}">←'
                    '</button></form>')
            html.append("\n    ")
            if after:
                label = labels[after]
                html.append(
                    f'{form_head}<button class="btn btn-small" type="submit" name="to_stage" '
                    f'value="{esc(after)}" '
                    f'title="{next_title % {"next_stage_label": label}}" aria-label="'
                    f'{next_aria % {"topic": topic, "next_stage_label": label}}">→'
                    '</button></form>')
            html.append(
                f'\n    <a class="btn btn-small btn-success" href="{win[0]}{pk}{win[1]}'
                f'?next={board_url}">{won}</a>\n'
                f'    <a class="btn btn-small btn-danger" href="{lose[0]}{pk}{lose[1]}'
                f'?next={board_url}">{lost}</a>\n  </div>')
        html.append("\n</li>\n")
        out.append("".join(html))
    return mark_safe("".join(out))
