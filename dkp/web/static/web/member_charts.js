// The member page's two charts, drawn with the vendored Chart.js from the JSON the page embeds.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;
  const css = getComputedStyle(document.documentElement);
  const color = (name, fallback) => (css.getPropertyValue(name) || fallback).trim();
  const text = color("--muted", "#999");
  const grid = color("--line", "#333");
  const palette = [color("--accent", "#e0b04a"), "#6aa9e9", "#8fd18f", "#d98ad9", "#e98a6a"];
  Chart.defaults.color = text;
  Chart.defaults.borderColor = grid;

  function read(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  const balance = read("balance-chart-data");
  const balanceCanvas = document.getElementById("balance-chart");
  if (balance && balanceCanvas && balance.labels.length) {
    new Chart(balanceCanvas, {
      type: "line",
      data: {
        labels: balance.labels,
        datasets: balance.datasets.map((set, i) => ({
          label: set.label,
          data: set.data,
          stepped: true,
          pointRadius: balance.labels.length > 60 ? 0 : 2,
          borderColor: palette[i % palette.length],
          backgroundColor: palette[i % palette.length],
        })),
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { ticks: { maxTicksLimit: 8 } }, y: { beginAtZero: true } },
        plugins: { legend: { display: balance.datasets.length > 1 } },
      },
    });
  }

  const attendance = read("attendance-chart-data");
  const attendanceCanvas = document.getElementById("attendance-chart");
  if (attendance && attendanceCanvas && attendance.labels.length) {
    new Chart(attendanceCanvas, {
      data: {
        labels: attendance.labels,
        datasets: [
          { type: "bar", label: "Ticks held", data: attendance.held, backgroundColor: grid, order: 2 },
          { type: "bar", label: "Ticks attended", data: attendance.attended, backgroundColor: palette[1], order: 1 },
          {
            type: "line", label: "%", data: attendance.percent, yAxisID: "percent",
            borderColor: palette[0], backgroundColor: palette[0], pointRadius: 2, order: 0,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: false, ticks: { maxTicksLimit: 12 } },
          y: { beginAtZero: true, title: { display: true, text: "ticks" } },
          percent: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false },
            ticks: { callback: (value) => value + "%" } },
        },
      },
    });
  }
})();
