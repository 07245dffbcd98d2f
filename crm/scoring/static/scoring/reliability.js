// The reliability curve of each active scoring model: mean predicted probability per bin
// against the observed rate on the held-out records, with the diagonal of perfect calibration.
(function () {
  "use strict";

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-reliability"));
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          { label: spec.label, data: spec.points, showLine: true, borderColor: "#1f5fbf",
            backgroundColor: "#1f5fbf", pointRadius: 4 },
          { label: spec.ideal, data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], showLine: true,
            borderColor: "#7a7f87", borderDash: [4, 4], pointRadius: 0, fill: false }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: {
          x: { min: 0, max: 1, title: { display: true, text: spec.x } },
          y: { min: 0, max: 1, title: { display: true, text: spec.y } }
        }
      }
    });
  }

  function init() {
    document.querySelectorAll("canvas[data-reliability]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
