"""Record pages paint first and load their panels after (crm/common/panels.py): what a browser
shows once htmx has fetched each `hx-trigger="load"` panel, for tests reading a whole page."""

import re

PANEL_SLOT = re.compile(
    r'<div class="panel-slot" data-panel-slot="[^"]*" hx-get="([^"]+)" hx-trigger="load" '
    r'hx-swap="outerHTML">.*?</div>', re.S)


def with_panels(client, response_or_html) -> str:
    """The page's HTML with each lazily loaded panel replaced by what its request answers."""
    html = response_or_html if isinstance(response_or_html, str) else \
        response_or_html.content.decode()

    def fetch(match):
        panel = client.get(match.group(1).replace("&amp;", "&"), HTTP_HX_REQUEST="true")
        assert panel.status_code == 200, (match.group(1), panel.status_code)
        return panel.content.decode()

    return PANEL_SLOT.sub(fetch, html)


def get_with_panels(client, url, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return with_panels(client, response)
