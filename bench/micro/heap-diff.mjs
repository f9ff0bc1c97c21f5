// Diffs two heap snapshots (bench/micro/idle-mem.ts SNAPSHOTS=...): bytes per connection by object name and by
// retainer chain (the first retainer found, two levels). Run: node bench/micro/heap-diff.mjs A.heapsnapshot B.heapsnapshot CONNECTIONS
import { readFileSync } from 'node:fs';
const [fa, fb, nRaw] = process.argv.slice(2);
const n = Number(nRaw);
function load(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const f = meta.node_fields, nf = f.length;
  const ti = f.indexOf('type'), ni = f.indexOf('name'), si = f.indexOf('self_size'), eci = f.indexOf('edge_count');
  const ef = meta.edge_fields, enf = ef.length, eti = ef.indexOf('type'), eni = ef.indexOf('name_or_index'), eto = ef.indexOf('to_node');
  const types = meta.node_types[0], etypes = meta.edge_types[0];
  const nodeName = (i) => { const t = types[snap.nodes[i + ti]]; return t === 'object' || t === 'closure' || t === 'native' ? snap.strings[snap.nodes[i + ni]] : `(${t})`; };
  const ret = new Map();
  let e = 0;
  for (let i = 0; i < snap.nodes.length; i += nf) {
    const cnt = snap.nodes[i + eci];
    for (let k = 0; k < cnt; k++, e += enf) {
      const to = snap.edges[e + eto]; const et = etypes[snap.edges[e + eti]];
      if (et === 'weak' || ret.has(to)) continue;
      // Numbered slots (a Map's table, an array's elements) are one bucket, named by what holds the table.
      const en = et === 'element' || et === 'hidden' || /^\d+$/.test(String(snap.strings[snap.edges[e + eni]] ?? '')) ? `[${et}]` : String(snap.strings[snap.edges[e + eni]] ?? snap.edges[e + eni]);
      ret.set(to, [i, `${nodeName(i)}.${en}`]);
    }
  }
  const byName = new Map(), byRet = new Map();
  for (let i = 0; i < snap.nodes.length; i += nf) {
    const size = snap.nodes[i + si];
    const nm = nodeName(i);
    byName.set(nm, (byName.get(nm) ?? 0) + size);
    const r1 = ret.get(i); const r2 = r1 ? ret.get(r1[0]) : undefined; const r3 = r2 ? ret.get(r2[0]) : undefined;
    const k = `${nm} <- ${r1?.[1] ?? '?'} <- ${r2?.[1] ?? '?'} <- ${r3?.[1] ?? '?'}`;
    byRet.set(k, (byRet.get(k) ?? 0) + size);
  }
  return { byName, byRet };
}
const A = load(fa), B = load(fb);
const diff = (a, b) => [...b].map(([k, v]) => [k, (v - (a.get(k) ?? 0)) / n]).filter(([, v]) => Math.abs(v) >= 4).sort((x, y) => y[1] - x[1]);
let total = 0; for (const [, v] of diff(A.byName, B.byName)) total += v;
console.log(`by object (bytes per connection; total ${total.toFixed(0)}):`);
for (const [k, v] of diff(A.byName, B.byName).slice(0, 30)) console.log(`  ${v.toFixed(0).padStart(6)}  ${k}`);
console.log('by retainer:');
for (const [k, v] of diff(A.byRet, B.byRet).slice(0, 45)) console.log(`  ${v.toFixed(0).padStart(6)}  ${k}`);
