// Lead pages: the quick-qualify dialog (detail), "select all" for bulk actions (list) and, on the
// lead form, a confirmation before saving a lead the duplicate warning flags.
document.addEventListener("click", function (event) {
  const opener = event.target.closest("[data-open-dialog]");
  if (opener) {
    const dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
    if (dialog && dialog.showModal) {
      event.preventDefault();
      dialog.showModal();
    }
  }
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) {
    closer.closest("dialog").close();
  }
});

document.addEventListener("change", function (event) {
  if (event.target.matches("[data-select-all]")) {
    document.querySelectorAll('#bulk-form input[name="ids"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  }
});

// Duplicates are shown, not blocked (PROCESS.md): saving a new lead while the warning lists some
// asks first.
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (form.id !== "lead-form" || !form.hasAttribute("data-confirm-duplicates")) return;
  const warning = form.querySelector("[data-confirm-save]");
  if (warning && !window.confirm(warning.getAttribute("data-confirm-save"))) {
    event.preventDefault();
  }
});
