'use strict';
/* Everything comes from this server: /graph.svg for the picture and
 * /metrics for the tables, fetched again REFRESH_MS after each
 * update. */
const REFRESH_MS = 500;
const COLORS = ['none', 'yellow', 'orange', 'red'];
const $ = (id) => document.getElementById(id);
let updates = 0;

function parseMetrics(text) {
  const rows = [];
  const sample =
    /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
  for (const line of text.split('\n')) {
    const m = line.startsWith('#') ? null : sample.exec(line);
    if (!m)
      continue;
    const labels = {};
    const pair = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    let l;
    while ((l = pair.exec(m[2] || '')))
      labels[l[1]] = l[2].replace(/\\n/g, '\n')
        .replace(/\\(.)/g, '$1');
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    rows.push({ name: m[1], labels, value });
  }
  return rows;
}

/* Families of the statistics the graph file asks for (`stats:`):
 * STAT_MEASURE, as min_filled or percentile_latency_seconds. */
const STAT_FAMILY = /^(min|max|stddev|percentile)_(filled|rate|latency_seconds|mcpu|load)$/;
const STAT_SHORT = { min: 'min', max: 'max', stddev: 'sd' };
const STAT_ORDER = { min: 0, max: 1, stddev: 2, percentile: 3 };
const MEASURES = ['filled', 'rate', 'latency_seconds', 'mcpu', 'load'];
const MEASURE_LABEL = { filled: 'filled', rate: 'rate',
  latency_seconds: 'latency', mcpu: 'mCPU', load: 'load' };

/* A statistic sample into its record: rec.stats[measure] is a list of
 * [stat, p, value] in the order the server wrote them. */
function addStat(rec, m, p, value) {
  const measure = m[2];
  rec.stats = rec.stats || {};
  (rec.stats[measure] = rec.stats[measure] || []).push([m[1], p, value]);
}

function model(rows) {
  const actors = new Map(), channels = new Map();
  const out = { graph: '', windowS: 0, actors: [], channels: [] };
  for (const r of rows) {
    const lb = r.labels;
    if (r.name === 'graph_info') {
      out.graph = lb.graph;
    } else if (r.name === 'telemetry_window_seconds') {
      out.windowS = r.value;
    } else if ('actor_name' in lb) {
      if (!actors.has(lb.actor_name))
        actors.set(lb.actor_name, { name: lb.actor_name, state: '?' });
      const a = actors.get(lb.actor_name);
      const sm = STAT_FAMILY.exec(r.name);
      if (r.name === 'actor_state') {
        if (r.value === 1)
          a.state = lb.state;
      } else if (sm) {
        addStat(a, sm, lb.p, r.value);
      } else {
        a[r.name] = r.value;
      }
    } else if ('from' in lb) {
      const key =
        [lb.from, lb.from_port, lb.to, lb.to_port].join('\n');
      if (!channels.has(key))
        channels.set(key, { from: lb.from, to: lb.to,
          fromPort: lb.from_port, toPort: lb.to_port });
      const c = channels.get(key);
      const sm = STAT_FAMILY.exec(r.name);
      if (r.name === 'percentile_filled' && c.p !== undefined) {
        /* the first is the channel's `percentile`; the others are stats */
        addStat(c, sm, lb.p, r.value);
      } else if (sm && r.name !== 'percentile_filled') {
        addStat(c, sm, lb.p, r.value);
      } else {
        if (r.name === 'percentile_filled')
          c.p = Number(lb.p) / 100;
        c[r.name] = r.value;
      }
    }
  }
  out.actors = [...actors.values()];
  out.channels = [...channels.values()];
  return out;
}

const int = (v) =>
  (v === undefined ? '-' : Math.round(v).toLocaleString('en'));
const pct = (v) => (v === undefined ? '-' : v.toFixed(1) + ' %');
const mcpu = (v) =>
  (v === undefined ? '-' : v < 10 ? v.toFixed(1) : int(v));
function bytes(v) {
  if (v === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return (u ? v.toFixed(1) : Math.round(v)) + ' ' + units[u];
}
const cpu = (s) => (s === undefined ? '-' : s < 1
  ? (s * 1000).toFixed(1) + ' ms' : s.toFixed(2) + ' s');

function latency(s) {
  if (s === undefined) return '-';
  if (s === Infinity) return 'stalled';
  if (s >= 1) return s.toFixed(2) + ' s';
  return (s * 1000).toFixed(s >= 0.01 ? 0 : 2) + ' ms';
}

/* As /graph.dot labels write them. */
const STAT_FORMAT = {
  filled: pct, load: pct, mcpu: mcpu, latency_seconds: latency,
  rate: (v) => int(v) + '/s',
};

/* "9990" -> "99.9" */
const pctName = (p) => String(Number(p) / 100);

/* One line per measure: "filled: max 100.0 %, sd 12.3 %, 95%ile 100.0 %". */
function statsCell(rec) {
  const div = document.createElement('div');
  for (const measure of MEASURES) {
    const list = rec.stats && rec.stats[measure];
    if (!list)
      continue;
    const line = document.createElement('div');
    line.className = 'stat';
    /* as the picture lists them: min, max, sd, then the percentiles */
    list.sort((a, b) => STAT_ORDER[a[0]] - STAT_ORDER[b[0]]);
    line.textContent = MEASURE_LABEL[measure] + ': ' + list.map(
      ([stat, p, v]) => (stat === 'percentile' ? pctName(p) + '%ile'
        : STAT_SHORT[stat]) + ' ' + STAT_FORMAT[measure](v)).join(', ');
    div.appendChild(line);
  }
  return div.childNodes.length ? div : '-';
}

function cell(content) {
  const td = document.createElement('td');
  if (content instanceof Node)
    td.appendChild(content);
  else
    td.textContent = content;
  return td;
}

function badge(level) {
  const color = COLORS[level] || 'none';
  const span = document.createElement('span');
  span.className = 'badge ' + color;
  span.textContent = color;
  return span;
}

function fillBar(percent) {
  const wrap = document.createElement('span');
  const bar = document.createElement('span');
  const inner = document.createElement('span');
  bar.className = 'bar';
  inner.style.width = Math.max(0, Math.min(100, percent || 0)) + '%';
  bar.appendChild(inner);
  wrap.append(bar, pct(percent));
  return wrap;
}

function row(cells, level) {
  const tr = document.createElement('tr');
  tr.className = 'alert-' + (COLORS[level] || 'none');
  for (const c of cells)
    tr.appendChild(cell(c));
  return tr;
}

function renderTables(m) {
  $('name').textContent = m.graph || 'graph';
  document.title = (m.graph || 'graph') + ' - steady telemetry';
  $('actors').replaceChildren(...m.actors.map((a) => row([
    a.name, a.state, mcpu(a.avg_mcpu), pct(a.avg_load),
    cpu(a.actor_cpu_seconds_total), int(a.actor_restarts_total),
    statsCell(a), badge(a.alert_level),
  ], a.alert_level)));
  $('channels').replaceChildren(...m.channels.map((c) => row([
    c.from + (c.fromPort ? '.' + c.fromPort : '') + ' \u2192 ' +
      c.to + (c.toPort ? '.' + c.toPort : ''),
    int(c.inflight) + ' / ' + int(c.capacity),
    fillBar(c.avg_filled),
    (c.p ? c.p + 'th: ' : '') + pct(c.percentile_filled),
    int(c.avg_rate) + ' /s', bytes(c.channel_bytes_per_second) + '/s',
    latency(c.avg_latency_seconds),
    int(c.send_total), int(c.take_total), int(c.channel_dropped_total),
    statsCell(c), badge(c.alert_level),
  ], c.alert_level)));
}

async function fetchText(path) {
  const res = await fetch(path, { cache: 'no-store' });
  const text = await res.text();
  if (!res.ok)
    throw new Error(path + ': ' + res.status + ' ' + text.trim());
  return text;
}

function showGraph(svgText) {
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const svg = doc.documentElement;
  if (svg.nodeName !== 'svg')
    throw new Error('/graph.svg: not an SVG picture');
  /* keep the viewBox, drop the fixed size: the picture fits the page */
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  $('graph').replaceChildren(document.importNode(svg, true));
}

function setStatus(live, text) {
  $('status').className = live ? 'live' : 'down';
  $('status').textContent = text;
}

async function tick() {
  try {
    const [svg, metrics] = await Promise.all(
      [fetchText('/graph.svg'), fetchText('/metrics')]);
    const m = model(parseMetrics(metrics));
    showGraph(svg);
    renderTables(m);
    updates++;
    document.body.dataset.updates = String(updates);
    setStatus(true, 'live \u00b7 updated ' +
      new Date().toLocaleTimeString('en-GB') + ' \u00b7 window ' +
      m.windowS.toFixed(1) + ' s');
  } catch (e) {
    setStatus(false, 'disconnected: ' + e.message +
      ' (the graph may have stopped); retrying');
  }
  setTimeout(tick, REFRESH_MS);
}

tick();
