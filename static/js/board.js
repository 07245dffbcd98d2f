// Pipeline board: drag a card to the next or previous stage only (SortableJS), then let the
// server decide with the same gate as the "Next stage" button (htmx). The server answers the
// refreshed board, so a refused move puts the card back and shows the reason.
(function () {
  "use strict";
  var ORDER = ["qualify", "develop", "propose", "close"];

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
    board.setAttribute("aria-busy", "true");
    htmx.ajax("POST", card.getAttribute("data-move-url") + window.location.search, {
      target: "#board",
      swap: "outerHTML",
      values: { to_stage: toStage, from_stage: fromStage },
    });
  }

  function init(root) {
    if (typeof Sortable === "undefined" || !root || !root.querySelector) return;
    var board = root.id === "board" ? root : root.querySelector("#board");
    if (!board || board.getAttribute("data-board-ready")) return;
    board.setAttribute("data-board-ready", "1");
    lists(board).forEach(function (list) {
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

  htmx.onLoad(init);
})();
