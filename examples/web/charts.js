// SPDX-License-Identifier: MIT
// Line charts with a log-scale y axis, drawn with uPlot. Each chart keeps the number of points of each
// curve in its container's data-points attribute, read from the data uPlot was given.
import uPlot from "/vendor/uplot/uPlot.esm.js";

export const MODE_COLORS = { exact: "#1f5fbf", sketch: "#c8461b", "sketch-pcg": "#1a7f37", auto: "#7a3fc4" };

const HEIGHT = 260;
const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

/** "10⁻⁸", or "2·10⁻⁸" between the powers. */
function powerOfTen(v) {
  const k = Math.floor(Math.log10(v) + 1e-9);
  const mantissa = Math.round(v / 10 ** k);
  const power = k === 0 ? "1" : k === 1 ? "10" : "10" + [...String(k)].map((c) => SUPERSCRIPT[c]).join("");
  return mantissa === 1 ? power : k === 0 ? String(mantissa) : `${mantissa}·${power}`;
}

/**
 * Ticks and grid lines at powers of ten, every one of them while they are at least 24 px apart, else
 * every second, third, ... (a loss falling through 16 decades would print a label per 11 px). A range
 * of two decades or less gets 2 and 5 times each power too, or a converging loss would show one label.
 */
function decades(u, _axis, min, max) {
  if (!(min > 0 && max > 0)) return [];
  const lo = Math.floor(Math.log10(min) + 1e-9);
  const hi = Math.ceil(Math.log10(max) - 1e-9);
  const stride = Math.max(1, Math.ceil(((hi - lo) * 24) / Math.max(u.bbox.height / devicePixelRatio, 1)));
  const mantissas = hi - lo <= 2 ? [1, 2, 5] : [1];
  const ticks = [];
  for (let k = Math.ceil(lo / stride) * stride; k <= hi; k += stride) {
    for (const m of mantissas) if (m * 10 ** k <= max * (1 + 1e-9)) ticks.push(m * 10 ** k);
  }
  return ticks;
}

/**
 * A chart in `container`: x linear, y on a log scale. `series` are { label, color, dash? }.
 * `xIntegers` keeps x ticks on whole numbers (Newton iterations).
 */
export function logChart(container, { title, xLabel, yLabel, series, xIntegers = false }) {
  const width = () => Math.max(240, container.clientWidth);
  const chart = new uPlot(
    {
      title,
      width: width(),
      height: HEIGHT,
      // Values at the cursor would read "--" in a still picture: the legend names the curves only.
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      // x from 0, the start of the solve, to the last point: uPlot would pad a lone first point to
      // 0..100. No data, no range, and no axes.
      scales: { x: { time: false, range: (u) => (u.data[0].length === 0 ? [null, null] : [0, Math.max(u.data[0].at(-1), xIntegers ? 1 : 1e-3)]) }, y: { distr: 3, log: 10 } },
      axes: [
        { label: xLabel, labelSize: 20, size: 36, ...(xIntegers ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] } : {}) },
        // uPlot's own thinning of log labels would drop some of these decades again.
        { label: yLabel, labelSize: 20, size: 56, splits: decades, filter: (u, splits) => splits, values: (u, splits) => splits.map(powerOfTen) },
      ],
      series: [
        { label: xLabel },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          dash: s.dash,
          // Zeros and missing entries (another run's x values) are skipped, the line runs on.
          spanGaps: true,
          points: { show: !s.dash, size: 6, fill: s.color },
        })),
      ],
    },
    [[], ...series.map(() => [])],
    container,
  );
  new ResizeObserver(() => {
    if (width() !== chart.width) chart.setSize({ width: width(), height: HEIGHT });
  }).observe(container);
  return chart;
}

/**
 * Replaces the data of `chart`: `curves` are [xs, ys] pairs, one per series, whose x values may
 * differ (uPlot.join aligns them). Values that are not positive cannot be drawn on a log scale: the
 * chart says how many it left out.
 */
export function setCurves(chart, curves) {
  let dropped = 0;
  const drawable = (y) => (y > 0 && Number.isFinite(y) ? y : (dropped++, null));
  const positive = curves.map(([xs, ys]) => [xs, ys.map(drawable)]);
  const data = positive.length === 0 ? [[]] : uPlot.join(positive);
  chart.setData(data);
  const counts = chart.series.slice(1).map((s, i) => [s.label, (data[i + 1] ?? []).filter((y) => y != null).length]);
  const container = chart.root.parentElement;
  container.dataset.points = JSON.stringify(Object.fromEntries(counts));
  if (dropped === 0) delete container.dataset.dropped;
  else container.dataset.dropped = `${dropped} value${dropped > 1 ? "s" : ""} of 0 not drawn (log scale)`;
}
