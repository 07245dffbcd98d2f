// Accessibility helpers for every page (no inline script: the CSP refuses it).
// - Sortable column headers: the sort state goes on the <th> as aria-sort.
// - A page or an htmx fragment that comes back with form errors puts the focus on the first
//   invalid field (or on the form's error message), so keyboard and screen-reader users land on
//   what needs fixing.
// - When an htmx swap removes the element that had the focus, the focus goes to the same control
//   in the new content, or else to the swapped region's heading, never back to the page's top.
(function () {
  "use strict";

  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

  function sortHeaders(root) {
    root.querySelectorAll("th a.sort[data-sort]").forEach(function (link) {
      var th = link.closest("th");
      var state = link.getAttribute("data-sort");
      if (state === "ascending" || state === "descending") th.setAttribute("aria-sort", state);
      else th.removeAttribute("aria-sort");
    });
  }

  function focusElement(element) {
    if (!element) return false;
    if (!element.matches(FOCUSABLE) || element.disabled) {
      if (element.disabled) return false;
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
    return document.activeElement === element;
  }

  // The first field marked invalid in `root`, else its form error message.
  function errorTarget(root) {
    var invalid = root.querySelector('[aria-invalid="true"]:not([type="hidden"])');
    if (invalid) return invalid;
    return root.querySelector("[data-form-errors]");
  }

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  // Remember which control had the focus inside the region an htmx request replaces.
  var remembered = null;

  function keyOf(element) {
    if (element.id) return "#" + CSS.escape(element.id);
    var tag = element.tagName.toLowerCase();
    if (element.getAttribute("href")) {
      return tag + '[href="' + CSS.escape(element.getAttribute("href")) + '"]';
    }
    if (element.name) {
      var key = tag + '[name="' + CSS.escape(element.name) + '"]';
      if (element.value && tag === "button") key += '[value="' + CSS.escape(element.value) + '"]';
      return key;
    }
    return null;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    remembered = null;
    if (target && active && active !== document.body && target.contains(active)) {
      remembered = { key: keyOf(active) };
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail.elt;
    var target = event.detail.target || elt;
    if (target && !target.isConnected) {
      // an outerHTML swap: the new element has the old one's id
      target = target.id ? document.getElementById(target.id) : null;
    }
    if (!target) {
      remembered = null;
      return;
    }
    sortHeaders(target);
    var fromUser = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    var errors = errorTarget(target);
    if (errors && (fromUser || focusLost())) {
      focusElement(errors);
      remembered = null;
      return;
    }
    // A region with its own focus handling (the pipeline board) is left alone.
    if (!focusLost() || (target && target.closest("[data-focus-managed]"))) {
      remembered = null;
      return;
    }
    if (remembered && target) {
      var again = null;
      if (remembered.key) {
        var matches = (remembered.key.charAt(0) === "#" ? document : target)
          .querySelectorAll(remembered.key);
        if (matches.length === 1) again = matches[0];
      }
      if (!(again && focusElement(again))) {
        focusElement(target.querySelector("h1, h2, h3, h4, legend") || target);
      }
    }
    remembered = null;
  });

  document.addEventListener("DOMContentLoaded", function () {
    sortHeaders(document);
    // A page answered with form errors (a form post that failed): start at the first one.
    var main = document.getElementById("main") || document.body;
    var errors = errorTarget(main);
    var active = document.activeElement;
    // (an autofocus field, e.g. the login's username, gives way to the errors)
    if (errors && (!active || active === document.body || active.hasAttribute("autofocus"))) {
      document.querySelectorAll("[autofocus]").forEach(function (element) {
        element.removeAttribute("autofocus");
      });
      focusElement(errors);
    }
  });
})();
