// The item page's price chart: one point per award, a line per pool, drawn with the vendored Chart.js
// from the JSON the page embeds (price-chart-data).
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;
  const node = document.getElementById("price-chart-data");
  const canvas = document.getElementById("price-chart");
  if (!node || !canvas) return;
  const prices = JSON.parse(node.textContent);
  if (!prices.labels.length) return;
  const css = getComputedStyle(document.documentElement);
  const color = (name, fallback) => (css.getPropertyValue(name) || fallback).trim();
  const palette = [color("--accent", "#e0b04a"), "#6aa9e9", "#8fd18f", "#d98ad9", "#e98a6a"];
  Chart.defaults.color = color("--muted", "#999");
  Chart.defaults.borderColor = color("--line", "#333");
  new Chart(canvas, {
    type: "line",
    data: {
      labels: prices.labels,
      datasets: prices.datasets.map((set, i) => ({
        label: set.label,
        data: set.data,
        spanGaps: true,
        pointRadius: 3,
        borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length],
      })),
    },
    options: {
      maintainAspectRatio: false,
      scales: { x: { ticks: { maxTicksLimit: 8 } }, y: { beginAtZero: true, title: { display: true, text: "points" } } },
      plugins: { legend: { display: prices.datasets.length > 1 } },
    },
  });
})();
