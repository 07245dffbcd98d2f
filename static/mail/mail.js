// Compose on a record's timeline: keyboard shortcuts and focus. Everything works without it.
(function () {
  if (window.crmMailLoaded) { return; }
  window.crmMailLoaded = true;

  function composeOf(el) { return el && el.closest ? el.closest("[data-mail-compose]") : null; }

  function focusCompose(root) {
    var form = root.querySelector ? root.querySelector("[data-mail-compose]") : null;
    if (!form) { return; }
    // The first of To, Subject, Message still to write (Cc is optional).
    var names = ["mail-to", "mail-subject", "mail-body"];
    for (var i = 0; i < names.length; i++) {
      var field = form.querySelector("[name='" + names[i] + "']");
      if (field && !field.value) { field.focus(); return; }
    }
    var body = form.querySelector("[name='mail-body']");
    if (body) { body.focus(); }
  }

  document.addEventListener("keydown", function (event) {
    var form = composeOf(event.target);
    if (!form) { return; }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.submit();
    } else if (event.key === "Escape") {
      var slot = document.getElementById("mail-compose-slot");
      if (slot && slot.contains(form)) {
        event.preventDefault();
        slot.innerHTML = "";
        var button = document.querySelector("[data-mail-open]");
        if (button) { button.focus(); }
      }
    }
  });

  document.addEventListener("click", function (event) {
    var cancel = event.target.closest("[data-mail-cancel]");
    if (!cancel) { return; }
    var slot = document.getElementById("mail-compose-slot");
    if (slot && slot.contains(cancel)) {
      event.preventDefault();
      slot.innerHTML = "";
      var button = document.querySelector("[data-mail-open]");
      if (button) { button.focus(); }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "mail-compose-slot") { focusCompose(target); }
  });

  // With htmx the template picker fills the fields on change: the fallback button is not needed.
  document.addEventListener("DOMContentLoaded", function () {
    document.documentElement.classList.add("mail-js");
  });
  document.documentElement.classList.add("mail-js");
})();
