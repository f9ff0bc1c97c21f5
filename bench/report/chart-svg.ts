/**
 * A hand-written SVG chart of the results: one row per scenario, two horizontal bar panels per row (server CPU
 * microseconds per delivered frame, and p99 latency; memory per idle connection and RSS for the idle scenario).
 * Each panel has its own scale. No chart library: a few rectangles and labels.
 */
import type { BenchResults, ServerScenarioResult } from './results.types.js';

const WIDTH = 980;
const LABEL_W = 110;
const PANEL_W = (WIDTH - 2 * LABEL_W - 60) / 2;
const BAR_H = 14;
const BAR_GAP = 4;
const ROW_HEAD = 34;
const ROW_FOOT = 18;

const COLORS: Record<string, string> = {
  'ephemera-uws': '#d62728',
  'ephemera-ws': '#ff7f0e',
  'ephemera-cluster': '#e377c2',
  'uws-raw': '#1f77b4',
  'ws-naive': '#7f7f7f',
  'ws-preframed': '#8c564b',
  'ws-batched': '#2ca02c',
  socketio: '#9467bd',
  nats: '#17becf',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

interface Panel {
  title: string;
  unit: string;
  value: (r: ServerScenarioResult) => number | null;
}

function panelsFor(scenario: string): [Panel, Panel] {
  if (scenario === 'idle') {
    return [
      { title: 'memory per idle connection', unit: 'kB', value: (r) => (r.bytesPerConn === null ? null : r.bytesPerConn / 1024) },
      { title: 'server RSS', unit: 'MB', value: (r) => r.rssMB },
    ];
  }
  if (scenario === 'invite') {
    return [
      { title: 'server CPU per token issued', unit: 'us', value: (r) => r.cpuUsPerFrame },
      { title: 'p99 request latency', unit: 'ms', value: (r) => r.p99Ms },
    ];
  }
  const per = scenario === 'join-storm' ? 'join' : 'delivered frame';
  return [
    { title: `server CPU per ${per}`, unit: 'us', value: (r) => r.cpuUsPerFrame },
    { title: scenario === 'join-storm' ? 'p99 join latency' : 'p99 latency', unit: 'ms', value: (r) => r.p99Ms },
  ];
}

function drawPanel(out: string[], x: number, y: number, panel: Panel, rows: [string, ServerScenarioResult][]): void {
  out.push(`<text x="${x}" y="${y - 8}" class="panel">${esc(panel.title)} (${panel.unit}, lower is better)</text>`);
  const values = rows.map(([, r]) => panel.value(r));
  const max = Math.max(1e-9, ...values.filter((v): v is number => v !== null));
  rows.forEach(([server, r], i) => {
    const by = y + i * (BAR_H + BAR_GAP);
    out.push(`<text x="${x - 6}" y="${by + BAR_H - 3}" class="label" text-anchor="end">${esc(server)}</text>`);
    const v = r.error ? null : values[i];
    if (v === null || v === undefined) {
      out.push(`<text x="${x + 4}" y="${by + BAR_H - 3}" class="na">${esc(r.error ? 'not run' : 'n/a')}</text>`);
      return;
    }
    const w = Math.max(1, (v / max) * (PANEL_W - 95));
    const color = COLORS[server] ?? '#444';
    const opacity = r.passed ? 1 : 0.45;
    out.push(`<rect x="${x}" y="${by}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color}" fill-opacity="${opacity}"/>`);
    out.push(`<text x="${(x + w + 4).toFixed(1)}" y="${by + BAR_H - 3}" class="value">${fmt(v)}${r.passed ? '' : ' (failed)'}</text>`);
  });
}

/** The SVG document for `results`. */
export function renderChart(results: BenchResults): string {
  const body: string[] = [];
  let y = 62;
  for (const [scenario, perServer] of Object.entries(results.scenarios)) {
    const rows = Object.entries(perServer);
    if (rows.length === 0) continue;
    const level = rows.find(([, r]) => r.level)?.[1].level;
    body.push(`<text x="10" y="${y}" class="scenario">${esc(scenario)}</text>`);
    if (level && scenario === 'idle') body.push(`<text x="${10 + 8 * scenario.length + 14}" y="${y}" class="note">${esc(level)}</text>`);
    const [left, right] = panelsFor(scenario);
    const top = y + ROW_HEAD;
    drawPanel(body, LABEL_W, top, left, rows);
    drawPanel(body, LABEL_W * 2 + PANEL_W + 40, top, right, rows);
    y = top + rows.length * (BAR_H + BAR_GAP) + ROW_FOOT;
  }
  const height = y + 20;
  const m = results.machine;
  const subtitle = `${m.date.slice(0, 10)} - ${m.cpus} x ${m.model} - node ${m.node} - server on core ${m.serverCore}, load on core ${m.loadCore}${m.quick ? ' - quick run' : ''}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    '<style>.title{font-size:16px;font-weight:bold}.sub{font-size:11px;fill:#555}.scenario{font-size:14px;font-weight:bold}' +
      '.panel{font-size:11px;fill:#333}.label{font-size:11px}.value{font-size:10px;fill:#222}.na{font-size:10px;fill:#999}.note{font-size:11px;fill:#555}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    '<text x="10" y="20" class="title">Ephemera and its peers: server CPU per delivered frame and p99 latency (highest step sustained)</text>',
    `<text x="10" y="36" class="sub">${esc(subtitle)}; faded bars: no step passed, figures of the first step</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
