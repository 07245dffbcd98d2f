"""Issue 16 polish on a phone (390×844) and desktop: search placeholders are not cut, the
process bar's stage labels ("1. Qualify") are not clipped by the chevrons."""

from django.urls import reverse

from tests.quotes.factories import OpportunityFactory

PLACEHOLDER_CUT = """() => Array.from(document.querySelectorAll('input[type=search][placeholder]'))
  .filter((input) => {
    const style = getComputedStyle(input);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = input.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight);
    return ctx.measureText(input.placeholder).width > room;
  }).map((input) => input.placeholder)"""

# The chevron's arrow notch takes 12px at its right edge (clip-path): text must end before it.
LABELS_CLIPPED = """() => Array.from(document.querySelectorAll('.process ol.chevrons li'))
  .filter((li) => {
    const box = li.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(li);
    return Array.from(range.getClientRects()).some(
      (r) => r.width > 0 && (r.left < box.left || r.right > box.right - 12));
  }).map((li) => li.textContent.trim())"""


def test_search_placeholders_fit_on_desktop_and_phone(org, page, login):
    login(page, org.sam)
    for size in ({"width": 1366, "height": 900}, {"width": 390, "height": 844}):
        page.set_viewport_size(size)
        for name in ("lead-list", "opportunity-list", "quote-list", "account-list",
                     "contact-list", "invoice-list"):
            page.goto(reverse(name))
            assert page.evaluate(PLACEHOLDER_CUT) == [], (name, size)


def test_process_bar_labels_are_not_clipped_on_a_phone(org, page, login):
    login(page, org.sam)
    page.set_viewport_size({"width": 390, "height": 844})
    for stage in ("qualify", "develop", "propose", "close"):
        opportunity = OpportunityFactory(owner=org.sam, topic=f"Deal in {stage}", stage=stage)
        page.goto(opportunity.get_absolute_url())
        assert page.locator(".process ol.chevrons li").first.inner_text().startswith(
            "1. Qualify")
        assert page.evaluate(LABELS_CLIPPED) == [], stage
