// Lead pages: the quick-qualify dialog (detail) and "select all" for bulk actions (list).
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
