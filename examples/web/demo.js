// SPDX-License-Identifier: MIT
// The demo page: a problem from the form or from files, one solve with live plots and its history,
// and the Hessian modes compared on the same problem. The page reads like a form; the test
// (tests/demo.test.ts) drives it through the same buttons.
import { createPool, isHyperregError, solve } from "/dist/hyperreg.js";
import { logChart, MODE_COLORS, setCurves } from "./charts.js";
import { checkGenerate, describeMatrix, describeWeights, FAMILIES, generate, PRESETS, readProblemFile } from "./problem.js";

const $ = (id) => document.getElementById(id);

const HESSIAN_HELP = {
  auto: "Conjugate gradients with no preconditioner while they converge fast (cg), then exact or sketch-pcg, whichever a cost model predicts is cheaper for this A; the reason is shown after the solve.",
  exact: "Aᵀ diag(B) A from every row: each step costs the sum over rows of (nonzeros in the row)².",
  sketch: "The papers' method: a Hessian from about 3.6 d / ε² rows sampled by leverage score. Cheap steps, linear convergence.",
  "sketch-pcg": "Conjugate gradients on the exact Hessian, preconditioned by the sampled one: Newton's step count at about the sketch's cost.",
};

// ---------------------------------------------------------------- the form

for (const [key, p] of Object.entries(PRESETS)) $("preset").add(new Option(p.label, key));
$("preset").add(new Option("Custom", "custom"));
for (const [key, label] of Object.entries(FAMILIES)) $("family").add(new Option(label, key));

const cores = navigator.hardwareConcurrency || 1;
for (let t = 0; t <= cores; t++) $("threads").add(new Option(t === 0 ? "0 (this page's thread)" : String(t), String(t)));
// With workers doing the passes over A, this page's thread stays free to draw.
$("threads").value = String(Math.min(cores, 4));

function updateFields() {
  const family = $("family").value;
  $("rownnz").disabled = family === "gauss" || family === "onehot";
  $("hessian-help").textContent = HESSIAN_HELP[$("hessian").value];
  const files = source() === "files";
  $("generate-fields").hidden = files;
  $("file-fields").hidden = !files;
}

function applyPreset() {
  const p = PRESETS[$("preset").value];
  if (!p) return;
  $("family").value = p.family;
  $("nrows").value = p.nrows;
  $("ncols").value = p.ncols;
  $("rownnz").value = p.rowNnz;
  updateFields();
}

const source = () => document.querySelector("input[name=source]:checked").value;

$("preset").value = "tall";
applyPreset();
$("preset").addEventListener("change", applyPreset);
for (const id of ["family", "nrows", "ncols", "rownnz"]) {
  $(id).addEventListener("input", () => {
    $("preset").value = "custom";
    updateFields();
  });
}
$("hessian").addEventListener("change", updateFields);
for (const radio of document.querySelectorAll("input[name=source]")) radio.addEventListener("change", updateFields);

/** "ERR_PARSE: b.txt: line 3: ..." for hyperreg's typed errors, the message for anything else. */
function errorText(e) {
  if (isHyperregError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

function showError(e) {
  const box = $("error");
  box.replaceChildren();
  if (isHyperregError(e)) {
    const code = document.createElement("code");
    code.textContent = e.code;
    box.append(code, ` (${e.name})\n${e.message}`);
  } else {
    box.append(errorText(e));
  }
  box.hidden = false;
}

const clearError = () => ($("error").hidden = true);

// Files are parsed when chosen, so a bad one is reported next to its input before any solve.
const files = { A: null, b: null, w: null };
for (const which of ["A", "b", "w"]) {
  $(`file-${which}`).addEventListener("change", async (event) => {
    const file = event.target.files[0];
    const info = $(`info-${which}`);
    files[which] = null;
    info.className = "file-info";
    info.textContent = "";
    if (!file) return;
    try {
      const value = await readProblemFile(which, file);
      files[which] = value;
      info.textContent = which === "A" ? `✓ ${describeMatrix(value)}` : `✓ ${value.length.toLocaleString("en")} numbers`;
    } catch (e) {
      info.className = "file-info bad";
      info.textContent = errorText(e);
    }
  });
}

const whole = (id) => Number($(id).value);

/** Options for solve() from the form; `hessian` and `threads` are added by the caller. */
function solverOptions() {
  return { eps: Number($("eps").value), maxIterations: whole("maxiter") };
}

// A generated problem is kept while its fields stay the same: Solve, then Compare, use one problem.
let generated = { key: "", problem: null };

/** The problem the form describes: generated (and kept) or read from the chosen files. */
async function currentProblem(onGenerating) {
  const f = $("f").value;
  const kind = $("kind").value;
  let problem;
  if (source() === "files") {
    if (!files.A) throw new Error("Choose a Matrix Market file for A (one that reads without errors).");
    if (!files.b) throw new Error("Choose a vector file for b (one that reads without errors).");
    problem = { problem: kind, f, A: files.A, b: files.b, w: files.w ?? Number($("wvalue").value) };
  } else {
    const o = { family: $("family").value, nrows: whole("nrows"), ncols: whole("ncols"), rowNnz: whole("rownnz"), f, problem: kind, wScale: Number($("wscale").value), seed: whole("seed") };
    const wrong = checkGenerate(o);
    if (wrong) throw new Error(`Cannot generate this problem: ${wrong}.`);
    const key = JSON.stringify(o);
    if (generated.key !== key) {
      onGenerating();
      // The generator holds this thread: let the page show that it is busy first.
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      generated = { key, problem: generate(o) };
    }
    problem = generated.problem;
  }
  $("problem-summary").textContent = `A: ${describeMatrix(problem.A)}; f = ${problem.f}, ${problem.problem}; ${describeWeights(problem.w)}.`;
  return problem;
}

// ---------------------------------------------------------------- runs, Cancel, the spinner

let run = null;

/** Marks the page busy until endRun(); the spinner and the timer advance once per animation frame. */
function startRun(spinner, elapsed) {
  clearError();
  run = { controller: new AbortController(), t0: performance.now(), spinner, elapsed };
  for (const id of ["solve", "compare-run"]) $(id).disabled = true;
  $("cancel").disabled = false;
  spinner.classList.add("on");
  const r = run;
  const tick = () => {
    if (run !== r) return;
    const s = (performance.now() - r.t0) / 1000;
    r.spinner.style.transform = `rotate(${(s * 400) % 360}deg)`;
    r.elapsed.textContent = `${s.toFixed(1)} s`;
    requestAnimationFrame(tick);
  };
  tick();
  return run.controller.signal;
}

function endRun() {
  run.spinner.classList.remove("on");
  run.elapsed.textContent = `${((performance.now() - run.t0) / 1000).toFixed(2)} s`;
  run = null;
  for (const id of ["solve", "compare-run"]) $(id).disabled = false;
  $("cancel").disabled = true;
}

$("cancel").addEventListener("click", () => run?.controller.abort());

const aborted = (e) => isHyperregError(e) && e.code === "ERR_ABORTED";
const threads = () => Number($("threads").value);

// ---------------------------------------------------------------- one solve

const lossChart = logChart($("loss-plot"), { title: "Loss per Newton step", xLabel: "Newton step", yLabel: "loss", xIntegers: true, series: [{ label: "loss", color: "#1f5fbf" }] });
const gradChart = logChart($("grad-plot"), {
  title: "Gradient norm per Newton step",
  xLabel: "Newton step",
  yLabel: "‖gradient‖₂",
  xIntegers: true,
  series: [
    { label: "‖gradient‖₂", color: "#c8461b" },
    { label: "tolerance", color: "#7d8794", dash: [6, 4] },
  ],
});

function setStatus(status, text) {
  $("status").dataset.status = status;
  $("status").textContent = status;
  $("message").textContent = text;
}

function drawSolve(history, tol) {
  const steps = history.map((h) => h.iteration);
  setCurves(lossChart, [[steps, history.map((h) => h.loss)]]);
  const tolCurve = tol === undefined ? [[], []] : [steps, steps.map(() => tol)];
  setCurves(gradChart, [[steps, history.map((h) => h.gradNorm)], tolCurve]);
}

const fmt = (v, digits = 4) => (v === null || v === undefined ? "—" : Number.isInteger(v) ? String(v) : v.toPrecision(digits));
const sci = (v) => (Number.isFinite(v) ? v.toExponential(2) : String(v));

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
}

function addHistoryRow(h) {
  const row = document.createElement("tr");
  for (const text of [h.iteration, h.loss.toPrecision(8), sci(h.gradNorm), h.iteration === 0 ? "—" : fmt(h.step, 3), h.hessian ?? "—", h.sketchRows ?? "—", h.cgIterations ?? "—", h.convexHere ? "yes" : "no", h.ms.toFixed(1)]) cell(row, String(text));
  $("history").tBodies[0].append(row);
}

function fillList(dl, entries) {
  dl.replaceChildren();
  for (const [term, value] of entries) {
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = term;
    dd.textContent = value;
    dl.append(dt, dd);
  }
}

function showResult(r) {
  const t = r.timings;
  fillList($("summary"), [
    ["Newton steps", String(r.iterations)],
    ["loss", r.loss.toPrecision(10)],
    ["‖gradient‖₂", `${sci(r.gradNorm)} (tolerance ${sci(r.tol)})`],
    ["Hessian", r.hessian.requested === "auto" ? `auto chose ${r.hessian.used}: ${r.hessian.reason}` : r.hessian.used],
    ["minimizer", r.minimizer === "global" ? "global (strictly convex problem)" : "local"],
    ["threads", r.threads === 0 ? "0 (this page's thread)" : `${r.threads} workers`],
    ["time", `${t.totalMs.toFixed(0)} ms: setup ${t.setupMs.toFixed(0)}, Hessian ${t.hessianMs.toFixed(0)}, direction ${t.solveMs.toFixed(0)}, line search ${t.lineSearchMs.toFixed(0)}`],
  ]);
  const c = r.certificate;
  fillList($("certificate"), [
    ["holds", c.holds ? "yes" : "no"],
    ["scope", c.scope === "everywhere" ? "every x: wᵢ² > φ_f(bᵢ) on every row" : "at the returned x: eᵢ > 0 on every row"],
    ["margin", `${fmt(c.margin, 4)} (smallest at row ${c.row})`],
    ["rows that fail", String(c.violations)],
  ]);
}

/** Empties the charts, the table and the result lists; `hint` brings back the empty charts' hint. */
function clearSolve(hint) {
  $("history").tBodies[0].replaceChildren();
  drawSolve([]);
  fillList($("summary"), [["—", "no result"]]);
  fillList($("certificate"), [["—", "no result"]]);
  if (hint) for (const id of ["loss-plot", "grad-plot"]) delete $(id).dataset.points;
}

async function solveOnce() {
  const signal = startRun($("spinner"), $("elapsed"));
  const history = [];
  clearSolve(false);
  try {
    const problem = await currentProblem(() => setStatus("generating", "Generating the problem (this holds the page for a moment)…"));
    const n = threads();
    setStatus("solving", `Solving on ${n === 0 ? "this page's thread" : `${n} worker thread${n > 1 ? "s" : ""}`}…`);
    const result = await solve(problem, {
      ...solverOptions(),
      hessian: $("hessian").value,
      threads: n,
      signal,
      onIteration: (h) => {
        history.push(h);
        addHistoryRow(h);
        drawSolve(history);
      },
    });
    drawSolve(result.history, result.tol);
    showResult(result);
    setStatus(result.status, result.message || `‖gradient‖ fell below the tolerance after ${result.iterations} Newton steps.`);
  } catch (e) {
    if (aborted(e)) {
      const steps = Math.max(history.length - 1, 0);
      setStatus("cancelled", `Cancelled after ${steps} Newton step${steps === 1 ? "" : "s"}; the plots and the table show the steps taken.`);
    } else {
      setStatus("error", "The solve did not run: see the message under the buttons.");
      showError(e);
      clearSolve(true);
    }
  } finally {
    endRun();
  }
}

$("solve").addEventListener("click", solveOnce);

// ---------------------------------------------------------------- the comparison

let compareCharts = [];

/** Four fresh charts with one curve per chosen mode: gradient norm and loss gap, against steps and time. */
function makeCompareCharts(modes) {
  for (const c of compareCharts) c.chart.destroy();
  const series = modes.map((m) => ({ label: m, color: MODE_COLORS[m] }));
  const make = (id, title, yLabel, x, y) => {
    const byTime = x === "time";
    const chart = logChart($(id), { title, xLabel: byTime ? "time in the Newton loop (ms)" : "Newton step", yLabel, xIntegers: !byTime, series });
    return { chart, x, y };
  };
  compareCharts = [
    make("compare-grad-iter", "Gradient norm per Newton step", "‖gradient‖₂", "step", "grad"),
    make("compare-grad-time", "Gradient norm against time", "‖gradient‖₂", "time", "grad"),
    make("compare-loss-iter", "Loss above the best loss found, per step", "loss − best", "step", "gap"),
    make("compare-loss-time", "Loss above the best loss found, against time", "loss − best", "time", "gap"),
  ];
}

function drawCompare(runs) {
  let best = Infinity;
  for (const r of runs) for (const h of r.history) best = Math.min(best, h.loss);
  for (const { chart, x, y } of compareCharts) {
    const curves = runs.map(({ history }) => {
      let t = 0;
      const xs = history.map((h) => (x === "time" ? (t += h.ms) : h.iteration));
      const ys = history.map((h) => (y === "grad" ? h.gradNorm : h.loss - best));
      return [xs, ys];
    });
    setCurves(chart, curves);
  }
}

function drawCompareTable(runs) {
  const body = $("compare-table").tBodies[0];
  body.replaceChildren();
  for (const r of runs) {
    const row = document.createElement("tr");
    const name = document.createElement("td");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = MODE_COLORS[r.mode];
    name.append(swatch, r.mode === "auto" && r.result ? `auto (${r.result.hessian.used})` : r.mode);
    row.append(name);
    const res = r.result;
    const ms = r.history.reduce((s, h) => s + h.ms, 0);
    const steps = Math.max(r.history.length - 1, 0);
    cell(row, res ? res.status : r.state);
    cell(row, r.history.length ? String(steps) : "—");
    cell(row, r.history.length ? ms.toFixed(0) : "—");
    cell(row, steps ? (ms / steps).toFixed(1) : "—");
    cell(row, res ? res.loss.toPrecision(10) : "—");
    cell(row, res ? sci(res.gradNorm) : "—");
    body.append(row);
  }
}

function setCompareStatus(status, text) {
  $("compare-status").dataset.status = status;
  $("compare-status").textContent = text;
}

async function compare() {
  const modes = [...document.querySelectorAll("#compare-modes input:checked")].map((i) => i.value);
  if (modes.length === 0) return showError(new Error("Tick at least one Hessian mode to compare."));
  const signal = startRun($("compare-spinner"), $("compare-elapsed"));
  const runs = modes.map((mode) => ({ mode, history: [], result: null, state: "waiting" }));
  let pool = null;
  try {
    const problem = await currentProblem(() => setCompareStatus("generating", "Generating the problem…"));
    makeCompareCharts(modes);
    drawCompareTable(runs);
    const n = threads();
    // One pool holds A for every mode: the runs share its loading, and time only their Newton loops.
    let model = null;
    if (n > 0) {
      pool = await createPool({ threads: n });
      model = await pool.load(problem.A);
    }
    for (const [i, r] of runs.entries()) {
      r.state = "running";
      drawCompareTable(runs);
      setCompareStatus("running", `Running ${r.mode} (${i + 1} of ${runs.length})…`);
      const options = {
        ...solverOptions(),
        hessian: r.mode,
        signal,
        onIteration: (h) => {
          r.history.push(h);
          drawCompare(runs);
        },
      };
      r.result = model ? await model.solve(problem, options) : await solve(problem, options);
      drawCompare(runs);
      drawCompareTable(runs);
    }
    setCompareStatus("done", `Done: ${runs.length} mode${runs.length > 1 ? "s" : ""} on ${describeMatrix(problem.A)}, ${n === 0 ? "this page's thread" : `${n} worker thread${n > 1 ? "s" : ""}`}.`);
  } catch (e) {
    for (const r of runs) if (!r.result) r.state = aborted(e) ? "cancelled" : "failed";
    drawCompareTable(runs);
    if (aborted(e)) {
      setCompareStatus("cancelled", "Cancelled.");
    } else {
      setCompareStatus("error", "The comparison stopped: see the message under the buttons.");
      showError(e);
    }
  } finally {
    await pool?.close();
    endRun();
  }
}

$("compare-run").addEventListener("click", compare);
makeCompareCharts(["exact", "sketch", "sketch-pcg"]);
updateFields();
// The test waits for this before it clicks: the library and uPlot loaded and the form is set up.
document.body.dataset.ready = "true";
