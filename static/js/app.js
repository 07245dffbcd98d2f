// Small progressive enhancements; every page works without them.
document.addEventListener("click", function (event) {
  const toggle = event.target.closest("[data-nav-toggle]");
  if (toggle) {
    const nav = document.getElementById("mainnav");
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  const confirmEl = event.target.closest("[data-confirm]");
  if (confirmEl && !window.confirm(confirmEl.getAttribute("data-confirm"))) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// Bar widths come from `data-bar-width` (percent): set through the CSSOM, which the
// Content-Security-Policy allows, unlike inline `style=` attributes.
function applyBarWidths(root) {
  root.querySelectorAll("[data-bar-width]").forEach(function (bar) {
    bar.style.width = bar.getAttribute("data-bar-width") + "%";
  });
}
document.addEventListener("DOMContentLoaded", function () { applyBarWidths(document); });
document.addEventListener("htmx:afterSwap", function (event) { applyBarWidths(event.target); });
