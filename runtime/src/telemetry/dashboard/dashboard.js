'use strict';
/* Everything comes from this server, nothing from the network:
 * /graph.svg for the picture, /metrics for the tables and /history.json
 * for the plots. The picture zooms (wheel, buttons), pans (drag) and
 * fits; a click on an actor or a channel, in the picture or in a table,
 * shows its figures and plots beside the picture. */
const REFRESH_MS = 500;
const HISTORY_MS = 1000;
const COLORS = ['none', 'yellow', 'orange', 'red'];
/* Prometheus family names the tables read, in one place. */
const M = {
  mcpu: 'avg_mcpu', load: 'avg_load', cpu: 'actor_cpu_seconds_total',
  restarts: 'actor_restarts_total', state: 'actor_state',
  inflight: 'inflight', capacity: 'capacity', sent: 'send_total',
  taken: 'take_total', rate: 'avg_rate', fill: 'avg_filled',
  bytesRate: 'channel_bytes_per_second', dropped: 'channel_dropped_total',
  pctFill: 'percentile_filled', latency: 'avg_latency_seconds',
  alert: 'alert_level', window: 'telemetry_window_seconds',
  info: 'graph_info', figure: 'actor_figure', countFig: 'actor_count_total',
};
const $ = (id) => document.getElementById(id);
let updates = 0;

/* ---- numbers, exactly as the picture writes them (tel_format.c) ---- */

function count(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/* one decimal below 10, whole numbers with separators from 10 on */
function num(v) {
  if (v === undefined) return '-';
  if (!isFinite(v) || !(v >= 0)) v = 0;
  if (v >= 1e19) v = 1e19 - 1;
  const tenths = Math.floor(v * 10 + 0.5);
  if (tenths < 100) return Math.floor(tenths / 10) + '.' + (tenths % 10);
  return count(Math.floor(v + 0.5));
}

function hundredths(x) {
  const h = Math.floor(x * 100 + 0.5), r = h % 100;
  return Math.floor(h / 100) + '.' + (r < 10 ? '0' : '') + r;
}

/* a latency in milliseconds */
function latency(ms) {
  if (ms === undefined) return '-';
  if (ms === Infinity) return 'stalled';
  if (!isFinite(ms) || ms < 0) ms = 0;
  if (ms >= 1e15) ms = 1e15;
  if (ms >= 1000) return hundredths(ms / 1000) + ' s';
  if (ms >= 10) return Math.floor(ms + 0.5) + ' ms';
  return hundredths(ms) + ' ms';
}

/* bytes: whole below 1 KiB, then one decimal in KiB, MiB, GiB, TiB */
function bytes(n) {
  if (n === undefined) return '-';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let u = -1;
  if (!isFinite(n) || !(n >= 0)) n = 0;
  while (n >= 1024 && u < 3) {
    n /= 1024;
    u++;
  }
  if (n >= 1e15) n = 1e15;
  if (u < 0) return Math.floor(n + 0.5) + ' B';
  const tenths = Math.floor(n * 10 + 0.5);
  return Math.floor(tenths / 10) + '.' + (tenths % 10) + ' ' + units[u];
}

const pct = (v) => (v === undefined ? '-' : num(v) + ' %');
const int = (v) => (v === undefined ? '-' : count(Math.round(v)));
/* CPU time in seconds, as tel_fmt_cpu writes it in the picture's hints */
function cpu(s) {
  if (s === undefined) return '-';
  if (!isFinite(s) || !(s >= 0)) s = 0;
  if (s >= 1e15) s = 1e15;
  return s < 1 ? num(s * 1000) + ' ms' : hundredths(s) + ' s';
}

/* ---- /metrics ---------------------------------------------------------- */

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
    if (r.name === M.info) {
      out.graph = lb.graph;
      out.node = lb.node || '';
    } else if (r.name === M.window) {
      out.windowS = r.value;
    } else if ('actor_name' in lb) {
      if (!actors.has(lb.actor_name))
        actors.set(lb.actor_name, { name: lb.actor_name, state: '?' });
      const a = actors.get(lb.actor_name);
      const sm = STAT_FAMILY.exec(r.name);
      if (r.name === M.state) {
        if (r.value === 1)
          a.state = lb.state;
      } else if (r.name === M.figure || r.name === M.countFig) {
        /* the actor's own figures (steady_figure_set, steady_count_add) */
        (a.figures = a.figures || []).push([lb.figure, r.value,
          r.name === M.countFig]);
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
      if (r.name === M.pctFill && c.p !== undefined) {
        /* the first is the channel's `percentile`; the others are stats */
        addStat(c, sm, lb.p, r.value);
      } else if (sm && r.name !== M.pctFill) {
        addStat(c, sm, lb.p, r.value);
      } else {
        if (r.name === M.pctFill)
          c.p = Number(lb.p) / 100;
        c[r.name] = r.value;
      }
    }
  }
  out.actors = [...actors.values()];
  out.channels = [...channels.values()];
  return out;
}

/* ---- /history.json ------------------------------------------------------ */

/* Series kept in the page: per actor name and per channel index. */
const hist = { last: 0, max: 600, stepS: 1, t0: undefined, t: [],
  actors: new Map(), channels: [] };

function appendSeries(to, from, max) {
  for (const v of from)
    to.push(v === null ? Infinity : v);
  if (to.length > max)
    to.splice(0, to.length - max);
}

/* As /graph.dot labels write them (tel_format.c); latency in seconds. */
const STAT_FORMAT = {
  filled: pct, load: pct, mcpu: num,
  latency_seconds: (s) => latency(s * 1000),
  rate: (v) => num(v) + '/s',
};

/* 9500 -> "95", 9990 -> "99.9", 9999 -> "99.99" */
const pctName = (p) => String(Number(p) / 100);

/* One line per measure: "filled: max 100 %, sd 12 %, 95%ile 100 %". */
function statsCell(rec) {
  const lines = [];
  for (const measure of MEASURES) {
    const list = rec.stats && rec.stats[measure];
    if (!list)
      continue;
    /* as the picture lists them: min, max, sd, then the percentiles */
    list.sort((a, b) => STAT_ORDER[a[0]] - STAT_ORDER[b[0]]);
    lines.push('<div class="stat">' + esc(MEASURE_LABEL[measure] + ': ' +
      list.map(([stat, p, v]) => (stat === 'percentile' ? pctName(p) + '%ile'
        : STAT_SHORT[stat]) + ' ' + STAT_FORMAT[measure](v)).join(', ')) +
      '</div>');
  }
  return lines.length ? lines.join('') : '-';
}

function addHistory(h) {
  if (hist.t0 !== undefined && h.t0_unix_ms !== hist.t0) {
    /* another run of the graph: start again, all of it next time */
    hist.t = []; hist.actors.clear(); hist.channels = [];
    hist.t0 = h.t0_unix_ms;
    hist.last = 0;
    return;
  }
  hist.t0 = h.t0_unix_ms;
  if (h.first_seq > hist.last + 1 && hist.last) {
    /* a gap (the page slept longer than the history): start again */
    hist.t = []; hist.actors.clear(); hist.channels = [];
  }
  hist.max = Math.max(2, h.points_max || 2);
  hist.stepS = h.step_s || 1;
  hist.last = h.last_seq;
  appendSeries(hist.t, h.t, hist.max);
  for (const a of h.actors) {
    if (!hist.actors.has(a.name))
      hist.actors.set(a.name, { mcpu: [], load: [] });
    const s = hist.actors.get(a.name);
    appendSeries(s.mcpu, a.mcpu, hist.max);
    appendSeries(s.load, a.load, hist.max);
  }
  h.channels.forEach((c, i) => {
    if (!hist.channels[i])
      hist.channels[i] = { from: c.from, to: c.to, fromPort: c.from_port,
        toPort: c.to_port, type: c.type, rate: [], fill: [], latency: [] };
    const s = hist.channels[i];
    appendSeries(s.rate, c.rate, hist.max);
    appendSeries(s.fill, c.fill, hist.max);
    appendSeries(s.latency, c.latency_ms, hist.max);
  });
  document.body.dataset.history = String(hist.t.length);
}

/* The history index of a channel of /metrics (matched on its ends). */
function channelIndex(c) {
  return hist.channels.findIndex((h) => h.from === c.from &&
    h.to === c.to && (!c.fromPort || h.fromPort === c.fromPort) &&
    (!c.toPort || h.toPort === c.toPort));
}

/* ---- plots: inline SVG, drawn here ------------------------------------- */

function esc(s) {
  return String(s).replace(/[&<>"]/g, (ch) =>
    ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]);
}

/* values averaged down to at most n points */
function thin(values, n) {
  if (values.length <= n)
    return values;
  const out = [], step = values.length / n;
  for (let i = 0; i < n; i++) {
    const from = Math.floor(i * step), to = Math.floor((i + 1) * step);
    let sum = 0, k = 0;
    for (let j = from; j < to; j++)
      if (isFinite(values[j])) { sum += values[j]; k++; }
    out.push(k ? sum / k : 0);
  }
  return out;
}

function polyline(values, w, h, top, color, cls) {
  const finite = values.filter(isFinite);
  const max = Math.max(top || 0, ...finite, 1e-9);
  const dx = values.length > 1 ? w / (values.length - 1) : 0;
  const pts = values.map((v, i) => (i * dx).toFixed(1) + ',' +
    (h - 1 - (isFinite(v) ? v : max) / max * (h - 2)).toFixed(1));
  return { max, svg: '<polyline class="' + cls + '" stroke="' + color +
    '" points="' + pts.join(' ') + '"/>' };
}

/* a small plot for a table cell: the line and its latest value; drawn
 * again only when its series grew (hist.last moves once a step) */
const sparks = new WeakMap();

function spark(values, color, fmt, top) {
  const w = 110, h = 22;
  if (!values || !values.length)
    return '<span class="muted">-</span>';
  const memo = sparks.get(values);
  if (memo && memo.last === hist.last)
    return memo.html;
  const html = drawSpark(values, color, fmt, top, w, h);
  sparks.set(values, { last: hist.last, html });
  return html;
}

function drawSpark(values, color, fmt, top, w, h) {
  const p = polyline(thin(values, 60), w, h, top, color, 'series');
  return '<svg class="spark" width="' + (w + 44) + '" height="' + h +
    '" viewBox="0 0 ' + (w + 44) + ' ' + h + '">' + p.svg +
    '<text x="' + (w + 4) + '" y="' + (h - 6) + '">' +
    esc(fmt(values[values.length - 1])) + '</text></svg>';
}

/* a larger plot with its scale and time axis */
function chart(title, values, color, fmt, top) {
  const w = 300, h = 90, left = 46;
  if (!values || !values.length)
    return '<div class="chart-title">' + esc(title) +
      '</div><p class="muted">no history yet</p>';
  const p = polyline(thin(values, 150), w, h, top, color, 'series');
  const span = (values.length - 1) * hist.stepS;
  const ago = span >= 120 ? Math.round(span / 60) + ' min ago'
    : Math.round(span) + ' s ago';
  return '<div class="chart-title">' + esc(title) + '</div>' +
    '<svg class="chart" width="100%" height="' + (h + 16) +
    '" viewBox="0 0 ' + (w + left) + ' ' + (h + 16) + '">' +
    '<text x="0" y="10">' + esc(fmt(p.max)) + '</text>' +
    '<text x="0" y="' + h + '">0</text>' +
    '<line class="axis" x1="' + left + '" y1="' + h + '" x2="' +
    (w + left) + '" y2="' + h + '"/>' +
    '<g transform="translate(' + left + ',0)">' + p.svg + '</g>' +
    '<text x="' + left + '" y="' + (h + 14) + '">' + esc(ago) + '</text>' +
    '<text x="' + (w + left - 22) + '" y="' + (h + 14) + '">now</text>' +
    '</svg>';
}

/* ---- tables -------------------------------------------------------------- */

function badge(level) {
  const color = COLORS[level] || 'none';
  return '<span class="badge ' + color + '">' + color + '</span>';
}

function fillBar(percent) {
  const w = Math.max(0, Math.min(100, percent || 0));
  return '<span class="bar"><span style="width:' + w + '%"></span></span>' +
    esc(pct(percent));
}

/* Rows are kept by key and only their cells rewritten, so that a graph of
 * hundreds of actors refreshes without rebuilding the tables. */
const tableRows = new Map(); /* tbody id -> (key -> tr) */

function syncRows(tbody, items, key, cells, level, selectFn) {
  if (!tableRows.has(tbody.id))
    tableRows.set(tbody.id, new Map());
  const rows = tableRows.get(tbody.id);
  const wanted = [];
  for (const it of items) {
    const k = key(it);
    let tr = rows.get(k);
    const html = cells(it);
    if (!tr) {
      tr = document.createElement('tr');
      tr.cells_html = [];
      rows.set(k, tr);
      tr.addEventListener('click', () => selectFn(it));
      for (let i = 0; i < html.length; i++)
        tr.appendChild(document.createElement('td'));
      tr.lastChild.classList.add('plot');
      tr.children[html.length - 2].classList.add('plot');
    }
    /* only the cells whose text changed are touched */
    html.forEach((h, i) => {
      if (tr.cells_html[i] !== h) {
        tr.cells_html[i] = h;
        tr.children[i].innerHTML = h;
      }
    });
    tr.className = 'alert-' + (COLORS[level(it)] || 'none') +
      (selected && selected.key === k ? ' selected' : '');
    wanted.push(tr);
  }
  if (wanted.length !== tbody.children.length ||
      wanted.some((tr, i) => tbody.children[i] !== tr))
    tbody.replaceChildren(...wanted);
}

const actorKey = (a) => 'a:' + a.name;
/* a channel is its index in the graph once the history names it (the
 * metrics name ports only where two channels join the same actors) */
function channelKey(c) {
  const i = channelIndex(c);
  return i >= 0 ? 'c:' + i : 'c:' + [c.from, c.fromPort || '', c.to,
    c.toPort || ''].join('\u0001');
}

function channelName(c) {
  return c.from + (c.fromPort ? '.' + c.fromPort : '') + ' \u2192 ' +
    c.to + (c.toPort ? '.' + c.toPort : '');
}

let current = null; /* the last model from /metrics */

function renderTables(m) {
  $('name').textContent = m.graph || 'graph';
  document.title = (m.graph || 'graph') + ' - steady telemetry';
  $('get-dot').download = (m.graph || 'graph') + '.dot';
  $('get-svg').download = (m.graph || 'graph') + '.svg';
  syncRows($('actors'), m.actors, actorKey, (a) => {
    const h = hist.actors.get(a.name);
    return [esc(a.name), esc(a.state), num(a[M.mcpu]), pct(a[M.load]),
      cpu(a[M.cpu]), int(a[M.restarts]), statsCell(a), badge(a[M.alert]),
      spark(h && h.mcpu, 'var(--plot)', num),
      spark(h && h.load, 'var(--plot2)', pct, 100)];
  }, (a) => a[M.alert], (a) => select({ kind: 'actor', name: a.name }));
  syncRows($('channels'), m.channels, channelKey, (c) => {
    const h = hist.channels[channelIndex(c)];
    return [esc(channelName(c)),
      int(c[M.inflight]) + ' / ' + int(c[M.capacity]),
      fillBar(c[M.fill]),
      (c.p ? c.p + 'th: ' : '') + esc(pct(c[M.pctFill])),
      num(c[M.rate]) + ' /s', bytes(c[M.bytesRate]) + '/s',
      latency(c[M.latency] * 1000),
      int(c[M.sent]), int(c[M.taken]), int(c[M.dropped]), statsCell(c),
      badge(c[M.alert]),
      spark(h && h.rate, 'var(--plot)', (v) => num(v) + '/s'),
      spark(h && h.fill, 'var(--plot2)', pct, 100)];
  }, (c) => c[M.alert], (c) => select({ kind: 'channel', from: c.from,
    to: c.to, fromPort: c.fromPort, toPort: c.toPort }));
}

/* ---- selection and details ------------------------------------------------ */

let selected = null; /* { kind, key, name | from, to, ... } */

function select(what) {
  if (what.kind === 'actor')
    what.key = actorKey(what);
  else
    what.key = channelKey(what);
  selected = what;
  if (what.kind === 'channel')
    document.body.dataset.selected = 'channel:' + channelName(what);
  else
    document.body.dataset.selected = 'actor:' + what.name;
  reveal(markSelection());
  renderDetails();
  if (current)
    renderTables(current);
}

function markSelection() {
  const svg = $('graph').querySelector('svg');
  if (!svg)
    return;
  for (const g of svg.querySelectorAll('g.selected'))
    g.classList.remove('selected');
  if (!selected)
    return;
  let g = null;
  if (selected.kind === 'actor') {
    g = [...svg.querySelectorAll('g.node')]
      .find((n) => n.dataset.actor === selected.name);
  } else {
    const i = channelIndex(selected);
    g = i >= 0 ? svg.querySelector('#c' + i) : [...svg.querySelectorAll(
      'g.edge')].find((e) => e.dataset.from === selected.from &&
        e.dataset.to === selected.to);
  }
  if (g)
    g.classList.add('selected');
  return g;
}

function dl(pairs) {
  return '<dl>' + pairs.map(([k, v]) => '<dt>' + esc(k) + '</dt><dd>' +
    v + '</dd>').join('') + '</dl>';
}

function renderDetails() {
  const box = $('details');
  if (!selected || !current)
    return;
  let html = '';
  if (selected.kind === 'actor') {
    const a = current.actors.find((x) => x.name === selected.name) || {};
    const h = hist.actors.get(selected.name) || {};
    html = '<h3>actor ' + esc(selected.name) + '</h3>' + dl([
      ['state', esc(a.state || '-')], ['avg mCPU', num(a[M.mcpu])],
      ['avg load', pct(a[M.load])], ['CPU', cpu(a[M.cpu])],
      ['restarts', int(a[M.restarts])], ['statistics', statsCell(a)],
      ['alert', badge(a[M.alert])]].concat((a.figures || []).map((f) =>
        /* a value may be below zero: its sign, as the picture does */
        [esc(f[0]), f[2] ? int(f[1])
          : (f[1] < 0 ? '-' : '') + num(Math.abs(f[1]))]))) +
      '<div class="chart">' + chart('mCPU (1024 = one core)', h.mcpu,
        'var(--plot)', num) + '</div>' +
      '<div class="chart">' + chart('load, % of the graph\'s CPU', h.load,
        'var(--plot2)', pct, 100) + '</div>';
  } else {
    const c = current.channels.find((x) => channelKey(x) === selected.key) ||
      current.channels.find((x) => x.from === selected.from &&
        x.to === selected.to) || {};
    const h = hist.channels[channelIndex(selected)] || {};
    html = '<h3>channel ' + esc(channelName(selected)) + '</h3>' + dl([
      ['ports', esc((h.fromPort || selected.fromPort || '?') + ' \u2192 ' +
        (h.toPort || selected.toPort || '?'))],
      ['element type', esc(h.type || '-')],
      ['inflight', int(c[M.inflight]) + ' / ' + int(c[M.capacity])],
      ['avg fill', pct(c[M.fill])],
      ['fill ' + (c.p ? c.p + 'th %ile' : '%ile'), pct(c[M.pctFill])],
      ['avg rate', num(c[M.rate]) + ' /s'],
      ['latency', latency(c[M.latency] * 1000)],
      ['bytes', bytes(c[M.bytesRate]) + '/s'],
      ['sent', int(c[M.sent])], ['taken', int(c[M.taken])],
      ['dropped', int(c[M.dropped])], ['statistics', statsCell(c)],
      ['alert', badge(c[M.alert])]]) +
      '<div class="chart">' + chart('rate, items taken per second', h.rate,
        'var(--plot)', num) + '</div>' +
      '<div class="chart">' + chart('fill, % of capacity', h.fill,
        'var(--plot2)', pct, 100) + '</div>' +
      '<div class="chart">' + chart('latency', h.latency, '#ffd400',
        latency) + '</div>';
  }
  box.innerHTML = html;
}

/* ---- the picture: zoom, pan, fit ------------------------------------------ */

const view = { box: null, natural: null, fitted: true, first: true };

function applyView(svg) {
  const b = view.fitted || !view.box ? view.natural : view.box;
  if (!b)
    return;
  svg.setAttribute('viewBox', b.join(' '));
  /* text too small to read is not drawn: a big graph seen whole is its
   * boxes and edges, and zooming in brings the labels back */
  const r = $('graph').getBoundingClientRect();
  const scale = Math.min(r.width / b[2], r.height / b[3]);
  $('graph').classList.toggle('far', 14 * scale < 4);
}

function showGraph(svgText) {
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const svg = doc.documentElement;
  if (svg.nodeName !== 'svg')
    throw new Error('/graph.svg: not an SVG picture');
  view.natural = (svg.getAttribute('viewBox') || '0 0 100 100')
    .split(/[\s,]+/).map(Number);
  /* the picture fills the panel; the view box does the zooming */
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  if (view.first)
    readableStart();
  applyView(svg);
  $('graph').replaceChildren(document.importNode(svg, true));
  markSelection();
  while (onFirstPicture.length)
    onFirstPicture.shift()();
}

/* the picture's point under a client position */
function svgPoint(svg, x, y) {
  const m = svg.getScreenCTM();
  if (!m)
    return { x: 0, y: 0 };
  const p = new DOMPoint(x, y).matrixTransform(m.inverse());
  return { x: p.x, y: p.y };
}

function currentBox() {
  return (view.fitted || !view.box ? view.natural : view.box).slice();
}

function zoom(factor, cx, cy) {
  const svg = $('graph').querySelector('svg');
  if (!svg || !view.natural)
    return;
  const b = currentBox();
  const r = svg.getBoundingClientRect();
  const p = svgPoint(svg, cx === undefined ? r.left + r.width / 2 : cx,
    cy === undefined ? r.top + r.height / 2 : cy);
  const w = b[2] / factor, h = b[3] / factor;
  view.box = [p.x - (p.x - b[0]) / factor, p.y - (p.y - b[1]) / factor, w, h];
  view.fitted = false;
  applyView(svg);
}

/* The first view: the whole graph, unless it is so tall (or wide) that
 * its labels could not be read; then its top (or left) part, as wide (or
 * as tall) as the panel but never larger than its natural size, to pan
 * from. A short wide graph in a tall panel (or the reverse) whose labels
 * read well whole is shown whole, not blown up. "fit" shows the whole. */
function readableStart() {
  const r = $('graph').getBoundingClientRect(), n = view.natural;
  view.first = false;
  if (!r.width || !r.height || !n[2] || !n[3])
    return;
  const panel = r.height / r.width, picture = n[3] / n[2];
  /* CSS pixels per picture point when the whole is shown; the edge labels
   * are 14 points: below 8 pixels they are hard to read */
  const whole = Math.min(r.width / n[2], r.height / n[3]);
  /* the natural size: SVG points are 1/72 inch, CSS pixels 1/96 */
  const w = r.width * 0.75, h = r.height * 0.75;
  if (14 * whole >= 8)
    return;
  if (picture > 2.5 * panel)
    view.box = [n[0] + Math.min(0, (n[2] - w) / 2), n[1],
      Math.max(n[2], w), Math.max(n[2], w) * panel];
  else if (picture * 2.5 < panel)
    view.box = [n[0], n[1] + Math.min(0, (n[3] - h) / 2),
      Math.max(n[3], h) / panel, Math.max(n[3], h)];
  else
    return;
  view.fitted = false;
}

/* Pans (keeping the zoom) so that the selected element is in view. */
function reveal(el) {
  const svg = $('graph').querySelector('svg');
  if (!svg || !el || view.fitted || !view.box || !el.getBBox)
    return;
  const bb = el.getBBox(), b = view.box;
  if (bb.x >= b[0] && bb.y >= b[1] && bb.x + bb.width <= b[0] + b[2] &&
      bb.y + bb.height <= b[1] + b[3])
    return;
  view.box = [bb.x + bb.width / 2 - b[2] / 2, bb.y + bb.height / 2 - b[3] / 2,
    b[2], b[3]];
  applyView(svg);
}

function fit() {
  view.fitted = true;
  view.box = null;
  const svg = $('graph').querySelector('svg');
  if (svg)
    applyView(svg);
}

function actualSize() {
  const svg = $('graph').querySelector('svg');
  if (!svg || !view.natural)
    return;
  const r = svg.getBoundingClientRect(), b = currentBox();
  const cx = b[0] + b[2] / 2, cy = b[1] + b[3] / 2;
  /* SVG points are 1/72 inch, CSS pixels 1/96 */
  const w = r.width * 0.75, h = r.height * 0.75;
  view.box = [cx - w / 2, cy - h / 2, w, h];
  view.fitted = false;
  applyView(svg);
}

function setupPicture() {
  const g = $('graph');
  let drag = null;
  g.addEventListener('wheel', (e) => {
    e.preventDefault();
    zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX, e.clientY);
  }, { passive: false });
  g.addEventListener('pointerdown', (e) => {
    const svg = g.querySelector('svg');
    if (!svg || e.button !== 0)
      return;
    drag = { x: e.clientX, y: e.clientY, box: currentBox(), moved: false,
      scale: svgPoint(svg, 1, 0).x - svgPoint(svg, 0, 0).x };
  });
  window.addEventListener('pointermove', (e) => {
    if (!drag)
      return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4)
      return;
    drag.moved = true;
    g.classList.add('dragging');
    view.box = [drag.box[0] - dx * drag.scale, drag.box[1] - dy * drag.scale,
      drag.box[2], drag.box[3]];
    view.fitted = false;
    const svg = g.querySelector('svg');
    if (svg)
      applyView(svg);
  });
  window.addEventListener('pointerup', () => {
    g.classList.remove('dragging');
    if (drag && drag.moved)
      g.dataset.dragged = '1';
    drag = null;
  });
  g.addEventListener('click', (e) => {
    if (g.dataset.dragged) { /* the end of a pan, not a click */
      delete g.dataset.dragged;
      return;
    }
    const el = e.target.closest && e.target.closest('g.node, g.edge');
    if (!el)
      return;
    if (el.classList.contains('node')) {
      select({ kind: 'actor', name: el.dataset.actor });
    } else {
      const h = hist.channels[Number(el.dataset.channel)];
      select({ kind: 'channel', from: el.dataset.from, to: el.dataset.to,
        fromPort: h ? h.fromPort : undefined,
        toPort: h ? h.toPort : undefined });
    }
  });
  g.addEventListener('dblclick', fit);
  $('zoom-in').addEventListener('click', () => zoom(1.25));
  $('zoom-out').addEventListener('click', () => zoom(1 / 1.25));
  $('zoom-fit').addEventListener('click', fit);
  $('zoom-1').addEventListener('click', actualSize);
  $('view-whole').addEventListener('click', () => setWholeGraph(!wholeGraph));
}

/* ---- the loop ------------------------------------------------------------- */

async function fetchText(path) {
  const res = await fetch(path, { cache: 'no-store' });
  const text = await res.text();
  if (!res.ok)
    throw new Error(path + ': ' + res.status + ' ' + text.trim());
  return text;
}

function setStatus(live, text) {
  $('status').className = live ? 'live' : 'down';
  $('status').textContent = text;
}

let nextPicture = 0, lastHistory = -Infinity;

/* This node's picture, or the whole graph of every node (/cluster.svg:
 * nodes as clusters, each channel between nodes one edge). The tables
 * stay this node's. */
let wholeGraph = false;

function setWholeGraph(on) {
  wholeGraph = on;
  $('view-whole').classList.toggle('on', on);
  $('view-whole').textContent = on ? 'this node' : 'whole graph';
  $('get-dot').href = on ? '/cluster.dot' : '/graph.dot';
  $('get-svg').href = on ? '/cluster.svg' : '/graph.svg';
  view.fitted = true;
  nextPicture = 0;
}

async function tick() {
  const started = performance.now();
  try {
    /* a big picture takes a while to show: fetch it less often then */
    const wantPicture = started >= nextPicture;
    const [svg, metrics] = await Promise.all([
      wantPicture ? fetchText(wholeGraph ? '/cluster.svg' : '/graph.svg')
        : null, fetchText('/metrics')]);
    if (started - lastHistory >= HISTORY_MS) {
      lastHistory = started;
      addHistory(JSON.parse(await fetchText('/history.json?since=' +
        hist.last)));
    }
    const m = model(parseMetrics(metrics));
    current = m;
    /* a node of a graph over several: the whole graph is a click away */
    $('view-whole').hidden = !m.node;
    if (svg !== null) {
      const t0 = performance.now();
      showGraph(svg);
      /* a big picture is heavy to show: once a second from 100 kB of SVG,
       * and never more than a quarter of the browser's time */
      nextPicture = started + Math.max(REFRESH_MS,
        4 * (performance.now() - t0), svg.length >= 100000 ? 1000 : 0);
    }
    renderTables(m);
    renderDetails();
    updates++;
    document.body.dataset.updates = String(updates);
    setStatus(true, 'live \u00b7 updated ' +
      new Date().toLocaleTimeString('en-GB') + ' \u00b7 window ' +
      m.windowS.toFixed(1) + ' s');
  } catch (e) {
    setStatus(false, 'disconnected: ' + e.message +
      ' (the graph may have stopped); retrying');
  }
  /* hundreds of rows take a while to refresh: 2 ms a row, still at
   * least once a second */
  setTimeout(tick, current ? Math.min(1000, Math.max(REFRESH_MS, 2 *
    (current.actors.length + current.channels.length))) : REFRESH_MS);
}

/* Links into the page, several joined by '&': #select=actor:NAME or
 * #select=channel:FROM:TO shows that element's details at once;
 * #whole shows the whole graph of a graph over several nodes (every
 * node's actors, /cluster.svg); #fit shows the whole picture first, #zoom=2 zooms the first picture in
 * twice over; #click=ID clicks the
 * picture's element with that id (a3, c0) as a user would, once it is
 * there; #fmt=1.5,0.04 writes how the tables format those numbers into
 * <pre id="fmt-out"> (the tests compare it with the picture's C code). */
const onFirstPicture = [];

function linkIn() {
  const h = decodeURIComponent(location.hash.slice(1));
  for (const cmd of h.split('&')) {
    if (cmd.startsWith('select=actor:')) {
      select({ kind: 'actor', name: cmd.slice(13) });
    } else if (cmd.startsWith('select=channel:')) {
      const [from, to] = cmd.slice(15).split(':');
      select({ kind: 'channel', from, to });
    } else if (cmd === 'whole') {
      setWholeGraph(true);
    } else if (cmd === 'fit') {
      onFirstPicture.push(fit);
    } else if (cmd.startsWith('zoom=')) {
      onFirstPicture.push(() => zoom(Number(cmd.slice(5)) || 1));
    } else if (cmd.startsWith('click=')) {
      onFirstPicture.push(() => {
        const el = $('graph').querySelector('[id="' + cmd.slice(6) + '"]');
        if (el)
          el.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      });
    } else if (cmd.startsWith('fmt=')) {
      const out = document.createElement('pre');
      out.id = 'fmt-out';
      out.textContent = cmd.slice(4).split(',').map((t) => {
        const v = t === 'inf' ? Infinity : Number(t);
        return t + '|' + num(v) + '|' + latency(v) + '|' +
          (isFinite(v) && v >= 0 ? count(Math.floor(v)) : '') + '|' +
          bytes(v) + '|' + cpu(v);
      }).join('\n');
      document.body.appendChild(out);
    }
  }
}

setupPicture();
linkIn();
tick();
