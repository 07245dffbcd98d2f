// Pipeline board: drag a card to the next or previous stage only (SortableJS), then let the
// server decide with the same gate as the "Next stage" button (htmx). The server answers the
// refreshed board, so a refused move puts the card back and shows the reason.
// Keyboard: a focused card moves with → (next stage) and ← (back one stage); ↑ and ↓ go to the
// card above or below. After any move (keys, the card's arrow buttons or a drag) the focus stays
// on the card and the outcome is read out through the page's live region (#board-announcer).
(function () {
  "use strict";
  var ORDER = ["qualify", "develop", "propose", "close"];
  var pendingFocus = null; // the id of the card whose move is on its way to the server

  function adjacent(a, b) {
    return Math.abs(ORDER.indexOf(a) - ORDER.indexOf(b)) === 1;
  }

  function lists(board) {
    return Array.prototype.slice.call(board.querySelectorAll("ul.cards[data-stage]"));
  }

  function clearHints(board) {
    lists(board).forEach(function (list) {
      var lane = list.closest(".lane");
      lane.classList.remove("dimmed", "droppable");
    });
  }

  function move(board, card, fromStage, toStage) {
    pendingFocus = card.getAttribute("data-id");
    board.setAttribute("aria-busy", "true");
    htmx.ajax("POST", card.getAttribute("data-move-url") + window.location.search, {
      target: "#board",
      swap: "outerHTML",
      values: { to_stage: toStage, from_stage: fromStage },
    });
  }

  // Called for the page, a board answered after a move, and each lane whose cards arrive on
  // demand (htmx swaps a lane's cards in after the first paint): every list is set up once.
  function init(root) {
    if (typeof Sortable === "undefined" || !root || !root.querySelector) return;
    var board = root.id === "board" ? root : (root.closest && root.closest("#board")) ||
      root.querySelector("#board");
    if (!board) return;
    var found = root.matches && root.matches("ul.cards[data-stage]") ? [root] :
      Array.prototype.slice.call(root.querySelectorAll("ul.cards[data-stage]"));
    found.forEach(function (list) {
      if (list.getAttribute("data-sortable-ready")) return;
      list.setAttribute("data-sortable-ready", "1");
      Sortable.create(list, {
        group: {
          name: "pipeline",
          pull: true,
          put: function (to, from) {
            return adjacent(from.el.getAttribute("data-stage"), to.el.getAttribute("data-stage"));
          },
        },
        sort: false,
        animation: 150,
        // Pointer events instead of native drag and drop: works with touch and mouse alike.
        forceFallback: true,
        fallbackTolerance: 4,
        draggable: "li.card[data-movable]",
        filter: "a, button, input, select",
        preventOnFilter: false,
        onStart: function (evt) {
          var from = evt.from.getAttribute("data-stage");
          lists(board).forEach(function (other) {
            if (other === evt.from) return;
            var ok = adjacent(from, other.getAttribute("data-stage"));
            other.closest(".lane").classList.toggle("dimmed", !ok);
            other.closest(".lane").classList.toggle("droppable", ok);
          });
        },
        onEnd: function (evt) {
          clearHints(board);
          if (evt.from === evt.to) return;
          move(board, evt.item, evt.from.getAttribute("data-stage"),
               evt.to.getAttribute("data-stage"));
        },
      });
    });
  }

  function announce(text) {
    var region = document.getElementById("board-announcer");
    if (!region || !text) return;
    // Emptied first so the same sentence twice in a row is read out again.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  // After the server's answer replaced the board: focus the moved card and read out the result.
  function afterMove(board) {
    if (pendingFocus === null) return;
    var id = pendingFocus;
    pendingFocus = null;
    var card = board.querySelector('li.card[data-id="' + id + '"]');
    if (card) {
      var target = card.hasAttribute("tabindex") ? card : card.querySelector("a.title");
      if (target) target.focus();
    }
    var message = board.querySelector("[data-board-error], [role=status]");
    if (message) announce(message.textContent.trim());
  }

  function siblingCard(card, step) {
    var cards = Array.prototype.slice.call(
      card.parentElement.querySelectorAll("li.card[tabindex]"));
    return cards[cards.indexOf(card) + step] || null;
  }

  document.addEventListener("keydown", function (event) {
    var card = event.target;
    if (!card.matches || !card.matches("#board li.card[data-movable]")) return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var board = card.closest("#board");
    var from = card.getAttribute("data-stage");
    var index = ORDER.indexOf(from);
    var to = null;
    if (event.key === "ArrowRight") to = ORDER[index + 1];
    else if (event.key === "ArrowLeft") to = ORDER[index - 1];
    else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var next = siblingCard(card, event.key === "ArrowDown" ? 1 : -1);
      if (next) next.focus();
      event.preventDefault();
      return;
    } else {
      return;
    }
    event.preventDefault();
    if (!to || board.getAttribute("aria-busy") === "true") return;
    move(board, card, from, to);
  });

  // The card's own ← / → buttons post through htmx: keep the focus on that card afterwards.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var card = event.detail.elt.closest && event.detail.elt.closest("#board li.card");
    if (card) pendingFocus = card.getAttribute("data-id");
  });

  htmx.onLoad(function (root) {
    init(root);
    var board = root && root.id === "board" ? root : null;
    if (board) afterMove(board);
  });
})();
