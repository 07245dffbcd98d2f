// Draws every dashboard chart from the JSON next to its canvas; a click on a bar or slice opens
// the filtered list behind it. The tables under each chart carry the same figures without JS.
(function () {
  "use strict";
  var palette = ["#1f5fbf", "#1d7a46", "#a86200", "#b42323", "#6b4fbb", "#0f8b8d", "#7a7f87",
    "#d4a017"];

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var type = spec.type;
    var horizontal = type === "hbar" || type === "funnel";
    var chartType = horizontal ? "bar" : type;
    var round = type === "doughnut" || type === "pie";
    var datasets = spec.datasets.map(function (ds, i) {
      var color = palette[i % palette.length];
      return {
        label: ds.label,
        data: ds.data,
        backgroundColor: round ? palette.slice(0, ds.data.length) : color,
        borderColor: color,
        fill: false,
        tension: 0.2
      };
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: horizontal ? "y" : "x",
      plugins: { legend: { display: datasets.length > 1 || round } },
      onClick: function (event, elements) {
        if (!elements.length) { return; }
        var point = elements[0];
        var perSeries = spec.datasets[point.datasetIndex] && spec.datasets[point.datasetIndex].urls;
        var url = perSeries ? perSeries[point.index] : spec.urls[point.index];
        if (url) { window.location.href = url; }
      },
      onHover: function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      }
    };
    if (!round) {
      options.scales = { x: { stacked: spec.stacked, beginAtZero: true },
        y: { stacked: spec.stacked, beginAtZero: true } };
    }
    var chart = new Chart(canvas, { type: chartType, data: { labels: spec.labels,
      datasets: datasets }, options: options });
    canvas.setAttribute("data-points", String(spec.labels.length));
    return chart;
  }

  function init() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
