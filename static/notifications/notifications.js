// @mention suggestions: htmx fetches the list while typing (hx-get on the textarea);
// choosing a name replaces the "@part" being typed with "@username ".
(function () {
  if (window.crmMentionsReady) { return; }
  window.crmMentionsReady = true;

  function fieldOf(el) { return el.closest(".mention-field"); }

  function choose(button) {
    const field = fieldOf(button);
    if (!field) { return; }
    const input = field.querySelector("[data-mention-input]");
    const list = field.querySelector(".mention-suggestions");
    const name = button.getAttribute("data-mention-username");
    const caret = input.selectionStart === null ? input.value.length : input.selectionStart;
    const before = input.value.slice(0, caret);
    const after = input.value.slice(caret);
    const start = before.lastIndexOf("@");
    const head = start >= 0 ? before.slice(0, start) : before;
    input.value = head + "@" + name + " " + after.replace(/^[\w.@+-]*/, "");
    const pos = (head + "@" + name + " ").length;
    input.focus();
    input.setSelectionRange(pos, pos);
    if (list) { list.innerHTML = ""; }
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-mention-username]");
    if (button) {
      event.preventDefault();
      choose(button);
    }
  });

  document.addEventListener("keydown", function (event) {
    const input = event.target.closest && event.target.closest("[data-mention-input]");
    if (!input) { return; }
    const list = fieldOf(input).querySelector(".mention-suggestions");
    const first = list && list.querySelector("[data-mention-username]");
    if (event.key === "Escape" && list) {
      list.innerHTML = "";
    } else if ((event.key === "Tab" || event.key === "Enter") && first && !event.shiftKey) {
      event.preventDefault();
      choose(first);
    }
  });
})();

// A notification links to "#post-<id>": the timeline loads after the page, so bring the post
// into view (once) when it arrives.
(function () {
  let done = false;
  function reveal() {
    if (done || !/^#post-\d+$/.test(window.location.hash)) { return; }
    const target = document.getElementById(window.location.hash.slice(1));
    if (target) {
      done = true;
      target.classList.add("post-target");
      target.scrollIntoView({block: "center"});
    }
  }
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);
})();
