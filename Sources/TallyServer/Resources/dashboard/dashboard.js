// Tally's live dashboard: plain JavaScript, no framework, no build step, nothing fetched from
// elsewhere. It calls JSON-RPC at POST /rpc (same origin) with the read token the user pasted,
// which lives in sessionStorage only. The filters live in the URL's hash (never the token).
'use strict';
(function () {
  const TOKEN_KEY = 'tally.read-token';
  const POLL_MS = 2000;          // the cheap check, while the tab is visible
  const FULL_REFRESH_MS = 60000; // everything, also when no spend changed (budgets edited, rules reloaded)
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    filters: null,
    range: null,
    signature: null,
    lastFull: 0,
    newestAlert: null,
    sort: {},
    data: {},
    timer: null,
    busy: false,
    refreshes: 0,
  };

  // ---- JSON-RPC ------------------------------------------------------------------------------
  class RPCError extends Error {
    constructor(error) { super(error.message); this.code = error.code; this.data = error.data; }
  }

  /** Sends calls as one JSON-RPC batch; answers, in order, {result} or {error: RPCError}. */
  async function batch(calls) {
    const body = calls.map((c, i) => ({ jsonrpc: '2.0', id: i + 1, method: c[0], params: c[1] || {} }));
    const response = await fetch('/rpc', {
      method: 'POST', cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
      headers: { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + state.token },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      let detail = '';
      try { detail = (await response.json()).error || ''; } catch (_) { /* not JSON */ }
      throw new Error('HTTP ' + response.status + (detail ? ': ' + detail : ''));
    }
    const replies = await response.json();
    const byID = new Map((Array.isArray(replies) ? replies : [replies]).map((r) => [r.id, r]));
    return body.map((b) => {
      const reply = byID.get(b.id);
      if (!reply) return { error: new RPCError({ code: -32603, message: 'no answer' }) };
      if (reply.error) return { error: new RPCError(reply.error) };
      return { result: reply.result };
    });
  }
  const isAuthError = (e) => e && (e.code === -32001);
  const isMissing = (e) => e && e.code === -32601;

  // ---- money: exact, as pico-USD BigInts -----------------------------------------------------
  const SCALE = 10n ** 12n;
  function pico(text) {
    if (text === null || text === undefined || text === '') return 0n;
    let s = String(text);
    const negative = s.startsWith('-');
    if (negative) s = s.slice(1);
    const [whole, fraction = ''] = s.split('.');
    const value = BigInt(whole || '0') * SCALE + BigInt((fraction + '000000000000').slice(0, 12));
    return negative ? -value : value;
  }
  /** The exact decimal string (trailing zeros trimmed), as the API writes money. */
  function exact(p) {
    const negative = p < 0n;
    const a = negative ? -p : p;
    let fraction = (a % SCALE).toString().padStart(12, '0').replace(/0+$/, '');
    return (negative ? '-' : '') + (a / SCALE).toString() + (fraction ? '.' + fraction : '');
  }
  /** For display: $1,234.57; small amounts keep significant digits ($0.000185). */
  function usd(p) {
    const negative = p < 0n;
    const a = negative ? -p : p;
    let digits = 2;
    if (a > 0n && a < 10n ** 10n) digits = 6; // under a cent
    const unit = 10n ** BigInt(12 - digits);
    const rounded = (a + unit / 2n) / unit;
    const whole = (rounded / 10n ** BigInt(digits)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    let fraction = (rounded % 10n ** BigInt(digits)).toString().padStart(digits, '0');
    if (digits > 2) fraction = fraction.replace(/0+$/, '').padEnd(2, '0');
    return (negative ? '−$' : '$') + whole + '.' + fraction;
  }
  function ratio(a, b) { return b === 0n ? null : Number((a * 1000000n) / b) / 1000000; }
  const count = (n) => Number(n || 0).toLocaleString('en-US');
  function percent(x, digits = 0) { return x === null || x === undefined || isNaN(x) ? '–' : (x * 100).toFixed(digits) + '%'; }

  // ---- time ranges (local days of the browser's timezone) -------------------------------------
  const timezone = (() => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch (_) { return 'UTC'; } })();
  const day = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const addDays = (d, n) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
  const rfc3339 = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const ymd = (d) => d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
  function parseDay(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || '');
    return m ? new Date(+m[1], +m[2] - 1, +m[3]) : null;
  }
  function rangeOf(f, now) {
    const today = day(now), tomorrow = addDays(today, 1);
    switch (f.range) {
      case 'today': return { from: today, to: tomorrow, label: 'today' };
      case '7d': return { from: addDays(today, -6), to: tomorrow, label: 'the last 7 days' };
      case 'month': return { from: new Date(today.getFullYear(), today.getMonth(), 1), to: tomorrow, label: 'this month' };
      case 'last-month': return { from: new Date(today.getFullYear(), today.getMonth() - 1, 1), to: new Date(today.getFullYear(), today.getMonth(), 1), label: 'last month' };
      case 'custom': {
        const from = parseDay(f.from), to = parseDay(f.to);
        if (from && to && from <= to) return { from, to: addDays(to, 1), label: f.from + ' to ' + f.to };
        return { from: addDays(today, -29), to: tomorrow, label: 'the last 30 days (pick both days of a custom range)' };
      }
      default: return { from: addDays(today, -29), to: tomorrow, label: 'the last 30 days' };
    }
  }

  // ---- filters <-> URL hash ------------------------------------------------------------------
  const FILTER_KEYS = ['range', 'from', 'to', 'client', 'provider', 'model'];
  function readHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    const f = {};
    for (const key of FILTER_KEYS) f[key] = params.get(key) || '';
    if (!f.range) f.range = '30d';
    return f;
  }
  function writeHash(f) {
    const params = new URLSearchParams();
    for (const key of FILTER_KEYS) if (f[key] && !(key === 'range' && f[key] === '30d')) params.set(key, f[key]);
    if (f.range !== 'custom') { params.delete('from'); params.delete('to'); }
    const hash = params.toString();
    history.replaceState(null, '', location.pathname + location.search + (hash ? '#' + hash : ''));
  }
  function filterParam(f) {
    const filter = {};
    for (const key of ['client', 'provider', 'model']) if (f[key]) filter[key] = f[key];
    return filter;
  }
  function syncForm() {
    const f = state.filters;
    $('f-range').value = f.range;
    $('f-from').value = f.from;
    $('f-to').value = f.to;
    $('filters').dataset.custom = String(f.range === 'custom');
    for (const key of ['client', 'provider', 'model']) ensureOption($('f-' + key), f[key]);
  }
  function ensureOption(select, value) {
    if (value && ![...select.options].some((o) => o.value === value)) select.add(new Option(value === 'unattributed' ? '(unattributed)' : value, value));
    select.value = value;
  }
  function setOptions(select, values, selected) {
    const first = select.options[0];
    select.replaceChildren(first);
    for (const v of values) select.add(new Option(v === 'unattributed' ? '(unattributed)' : v, v));
    ensureOption(select, selected);
  }

  // ---- DOM helpers ---------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else if (k.startsWith('data-') || k.startsWith('aria-') || ['role', 'id', 'title', 'scope', 'type', 'href', 'target', 'rel', 'download'].includes(k)) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') node.textContent = v; else node.setAttribute(k, String(v));
    }
    for (const c of children) if (c) node.append(c);
    return node;
  }
  const money = (p, extra) => el('span', Object.assign({ 'data-usd': exact(p), title: exact(p) + ' USD', text: usd(p) }, extra || {}));
  function note(text) { return el('p', { class: 'note', text }); }
  function setStatus(text) { $('status').textContent = text; }

  // ---- rendering: cards ----------------------------------------------------------------------
  function sumBetween(rows, from, to) {
    let cost = 0n, events = 0, unpriced = 0;
    for (const r of rows) {
      const start = new Date(r.bucket_start);
      if (start >= from && start < to) { cost += pico(r.cost); events += r.events || 0; unpriced += r.unpriced || 0; }
    }
    return { cost, events, unpriced };
  }
  function renderCards(totalResult, dailyRows, now) {
    const today = day(now), tomorrow = addDays(today, 1);
    const weekStart = addDays(today, -((today.getDay() + 6) % 7));
    const monthStart = new Date(today.getFullYear(), today.getMonth(), 1);
    const periods = [
      ['today', 'Today', today, tomorrow, 'yesterday', addDays(today, -1), today],
      ['week', 'This week', weekStart, tomorrow, 'last week', addDays(weekStart, -7), weekStart],
      ['month', 'This month', monthStart, tomorrow, 'last month', new Date(today.getFullYear(), today.getMonth() - 1, 1), monthStart],
    ];
    const cards = [];
    const total = totalResult.total;
    cards.push(el('div', { class: 'card', id: 'card-range' },
      el('div', { class: 'label', text: 'In the range (' + state.range.label + ')' }),
      el('div', { class: 'value' }, money(pico(total.cost), { id: 'total-cost' })),
      el('div', { class: 'compare', text: count(total.events) + ' events, ' + count(total.errors) + ' errors' +
        (total.unpriced ? ', ' + count(total.unpriced) + ' unpriced (not included)' : '') })));
    for (const [key, label, from, to, lastLabel, lastFrom, lastTo] of periods) {
      const current = sumBetween(dailyRows, from, to), last = sumBetween(dailyRows, lastFrom, lastTo);
      const change = last.cost === 0n ? null : ratio(current.cost - last.cost, last.cost);
      const compare = el('div', { class: 'compare' }, lastLabel + ': ', money(last.cost),
        change === null ? '' : el('span', { class: change > 0 ? 'up' : 'down', text: ' (' + (change > 0 ? '+' : '') + percent(change) + ')' }));
      cards.push(el('div', { class: 'card', id: 'card-' + key },
        el('div', { class: 'label', text: label }),
        el('div', { class: 'value' }, money(current.cost)),
        compare));
    }
    $('cards').replaceChildren(...cards);
  }
  function renderCallouts(byClient, total) {
    const out = [];
    const unattributed = (byClient.rows || []).find((r) => r.client === null || r.client === undefined);
    if (unattributed && (unattributed.events || 0) > 0) {
      out.push(el('div', { class: 'callout', id: 'unattributed' },
        el('strong', { text: 'Unattributed spend: ' }), money(pico(unattributed.cost)),
        ' over ' + count(unattributed.events) + ' events belongs to no client yet. Fix the attribution rules, then replay them (attribution.replay).'));
    } else {
      out.push(el('div', { class: 'callout fine', id: 'unattributed', text: 'All spend in the range is attributed to a client.' }));
    }
    if ((total.unpriced || 0) > 0) {
      out.push(el('div', { class: 'callout', id: 'unpriced', 'data-count': String(total.unpriced) },
        el('strong', { text: count(total.unpriced) + ' unpriced events' }),
        ': their models have no price, so their cost is unknown (not $0) and not in the figures above. ' +
        'Add a price (prices.set) and they are priced automatically.'));
    } else {
      out.push(el('div', { class: 'callout fine', id: 'unpriced', 'data-count': '0', text: 'Every event in the range is priced.' }));
    }
    $('callouts').replaceChildren(...out);
  }

  // ---- rendering: charts ---------------------------------------------------------------------
  function lineChart(rows, from, to) {
    const days = [];
    for (let d = new Date(from); d < to; d = addDays(d, 1)) days.push(d);
    const byDay = new Map(rows.map((r) => [ymd(new Date(r.bucket_start)), pico(r.cost)]));
    const values = days.map((d) => byDay.get(ymd(d)) || 0n);
    const max = values.reduce((m, v) => (v > m ? v : m), 0n);
    const W = 760, H = 200, L = 70, R = 10, T = 10, B = 28;
    const x = (i) => L + (days.length <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (days.length - 1));
    const y = (v) => T + (H - T - B) * (1 - (max === 0n ? 0 : Number((v * 10000n) / max) / 10000));
    const points = values.map((v, i) => x(i).toFixed(1) + ',' + y(v).toFixed(1));
    const total = values.reduce((a, b) => a + b, 0n);
    const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `Spend per day from ${ymd(from)} to ${ymd(addDays(to, -1))}: total ${usd(total)}, highest day ${usd(max)}` },
      svg('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }),
      svg('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }),
      svg('text', { x: L - 6, y: T + 8, 'text-anchor': 'end', text: usd(max) }),
      svg('text', { x: L - 6, y: H - B, 'text-anchor': 'end', text: '$0' }),
      svg('text', { x: L, y: H - 8, text: ymd(days[0]) }),
      svg('text', { x: W - R, y: H - 8, 'text-anchor': 'end', text: ymd(days[days.length - 1]) }),
      svg('polygon', { class: 'area', points: `${x(0).toFixed(1)},${H - B} ${points.join(' ')} ${x(days.length - 1).toFixed(1)},${H - B}` }),
      svg('polyline', { class: 'line', points: points.join(' ') }));
    values.forEach((v, i) => chart.append(svg('circle', { class: 'dot', cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: days.length > 45 ? 1.5 : 3 },
      svg('title', { text: ymd(days[i]) + ': ' + usd(v) }))));
    return chart;
  }
  function barChart(rows, labelOf, title) {
    const top = rows.slice(0, 8);
    const max = top.reduce((m, r) => (pico(r.cost) > m ? pico(r.cost) : m), 0n);
    const W = 520, rowH = 22, L = 150, R = 90;
    const chart = svg('svg', { viewBox: `0 0 ${W} ${Math.max(1, top.length) * rowH + 4}`, role: 'img', 'aria-label': title + ': ' + top.map((r) => labelOf(r) + ' ' + usd(pico(r.cost))).join(', ') });
    top.forEach((r, i) => {
      const v = pico(r.cost);
      const width = max === 0n ? 0 : ((W - L - R) * Number((v * 10000n) / max)) / 10000;
      const label = labelOf(r);
      chart.append(
        svg('text', { x: L - 6, y: i * rowH + 15, 'text-anchor': 'end', text: label.length > 22 ? label.slice(0, 21) + '…' : label }),
        svg('rect', { class: 'bar-bg', x: L, y: i * rowH + 4, width: W - L - R, height: rowH - 8 }),
        svg('rect', { class: 'bar', x: L, y: i * rowH + 4, width: Math.max(width, v > 0n ? 1 : 0).toFixed(1), height: rowH - 8 }, svg('title', { text: label + ': ' + usd(v) })),
        svg('text', { x: W - R + 6, y: i * rowH + 15, text: usd(v) }));
    });
    return chart;
  }

  // ---- rendering: sortable tables ------------------------------------------------------------
  /** columns: [key, heading, kind ('text' | 'usd' | 'int' | 'ratio'), value(row), render(row)?] */
  function sortableTable(id, caption, columns, rows, defaultSort) {
    const sort = state.sort[id] || defaultSort;
    const column = columns.find((c) => c[0] === sort.key) || columns[0];
    const compare = (a, b) => {
      const va = column[3](a), vb = column[3](b);
      let c;
      if (column[2] === 'usd') c = pico(va) < pico(vb) ? -1 : pico(va) > pico(vb) ? 1 : 0;
      else if (column[2] === 'text') c = String(va ?? '').localeCompare(String(vb ?? ''));
      else c = (Number(va) || 0) - (Number(vb) || 0);
      return sort.dir === 'asc' ? c : -c;
    };
    const sorted = rows.slice().sort(compare);
    const head = el('tr', null, ...columns.map((c) => {
      const th = el('th', { scope: 'col', class: c[2] === 'text' ? '' : 'num' });
      if (c[0] === sort.key) th.setAttribute('aria-sort', sort.dir === 'asc' ? 'ascending' : 'descending');
      if (c[2] === 'action') { th.textContent = c[1]; return th; }
      const button = el('button', { type: 'button', text: c[1], title: 'Sort by ' + c[1] });
      button.addEventListener('click', () => {
        state.sort[id] = { key: c[0], dir: sort.key === c[0] && sort.dir === 'desc' ? 'asc' : 'desc' };
        rerender();
        const again = document.querySelector(`#${id} th:nth-child(${columns.indexOf(c) + 1}) button`);
        if (again) again.focus();
      });
      th.append(button);
      return th;
    }));
    const body = el('tbody', null, ...sorted.map((r) => el('tr', { 'data-key': columns[0][3](r) ?? '' }, ...columns.map((c, i) => {
      const content = c[4] ? c[4](r) : c[2] === 'usd' ? money(pico(c[3](r))) : c[2] === 'int' ? count(c[3](r)) : String(c[3](r) ?? '');
      return i === 0 ? el('th', { scope: 'row' }, content) : el('td', { class: c[2] === 'text' || c[2] === 'action' ? '' : 'num' }, content);
    }))));
    return el('table', { id }, el('caption', { text: caption }), el('thead', null, head), body);
  }

  /** A cost, flagged when some of its events are unpriced: their cost is unknown, not $0. */
  function costCell(r) {
    const cell = money(pico(r.cost));
    if (!r.unpriced) return cell;
    return el('span', null, cell, el('span', { class: 'up', title: count(r.unpriced) + ' unpriced events: cost unknown, not included', text: ' +?' }));
  }

  const DIMENSIONS = {
    client: { title: 'client', label: (r) => r.client ?? '(unattributed)' },
    provider: { title: 'provider', label: (r) => r.provider ?? '(none)' },
    model: { title: 'model', label: (r) => r.model ?? '(none)' },
    workflow: { title: 'workflow', label: (r) => r.workflow ?? '(none)' },
  };
  function renderBreakdown(dimension, result) {
    const info = DIMENSIONS[dimension];
    const rows = (result.rows || []).slice().sort((a, b) => (pico(b.cost) > pico(a.cost) ? 1 : pico(b.cost) < pico(a.cost) ? -1 : 0));
    const target = $('by-' + dimension);
    if (rows.length === 0) { target.replaceChildren(note('No spend in the range.')); return; }
    const columns = [
      [dimension, info.title[0].toUpperCase() + info.title.slice(1), 'text', (r) => info.label(r)],
      ['cost', 'Cost', 'usd', (r) => r.cost, (r) => costCell(r)],
      ['events', 'Events', 'int', (r) => r.events],
      ['errors', 'Errors', 'int', (r) => r.errors],
      ['unpriced', 'Unpriced', 'int', (r) => r.unpriced],
    ];
    if (dimension === 'client') {
      columns.push(['report', 'Report', 'action', () => '', (r) => (r.client === null || r.client === undefined)
        ? el('span', { class: 'muted', text: '–' })
        : reportButton(r.client)]);
    }
    const parts = [barChart(rows, info.label, 'Spend by ' + info.title)];
    parts.push(sortableTable('table-' + dimension, `Spend by ${info.title}, ${state.range.label}` + (result.truncated ? ' (truncated)' : ''),
      columns, rows, { key: 'cost', dir: 'desc' }));
    target.replaceChildren(...parts);
  }

  // ---- client reports ------------------------------------------------------------------------
  function reportPeriod() {
    const last = new Date(state.range.to.getTime() - 1);
    return last.getUTCFullYear() + '-' + String(last.getUTCMonth() + 1).padStart(2, '0');
  }
  function reportButton(client) {
    const button = el('button', { type: 'button', class: 'link', text: 'Report', 'aria-label': 'Open the report of ' + client + ' for ' + reportPeriod() });
    button.addEventListener('click', () => openReport(client, button));
    return button;
  }
  async function openReport(client, button) {
    const status = $('report-status');
    const period = reportPeriod();
    status.textContent = 'Preparing the report of ' + client + ' for ' + period + '…';
    try {
      const [answer] = await batch([['reports.client', { client, period, format: 'html' }]]);
      if (answer.error) {
        status.textContent = isMissing(answer.error) ? 'client reports not available on this server' : 'The report failed: ' + answer.error.message;
        return;
      }
      const content = answer.result && answer.result.content;
      if (typeof content !== 'string') { status.textContent = 'The report came back without content.'; return; }
      const url = URL.createObjectURL(new Blob([content], { type: 'text/html' }));
      const link = el('a', { href: url, target: '_blank', rel: 'noopener', text: 'Open the report of ' + client + ' for ' + period });
      status.replaceChildren(link, ' (opens in a new tab; print it from there)');
      window.open(url, '_blank', 'noopener');
      setTimeout(() => URL.revokeObjectURL(url), 10 * 60 * 1000);
    } catch (error) {
      status.textContent = 'The report failed: ' + error.message;
    }
    button.focus();
  }

  // ---- rendering: budgets --------------------------------------------------------------------
  function thresholdRatio(t, amount) {
    if (typeof t === 'number') return t;
    if (t && t.ratio !== undefined) return Number(t.ratio);
    if (t && t.amount !== undefined && amount > 0n) return ratio(pico(t.amount), amount);
    return null;
  }
  function renderBudgets(answer) {
    const target = $('budgets');
    if (answer.error) { target.replaceChildren(note('Budgets could not be read: ' + answer.error.message)); return; }
    const budgets = answer.result.budgets || [];
    if (budgets.length === 0) { target.replaceChildren(note('No budgets. Set one with tally budgets set CLIENT AMOUNT.')); return; }
    const items = budgets.map((s) => {
      const b = s.budget || {};
      const amount = pico(b.amount), spent = pico(s.spent), forecast = pico(s.forecast);
      const scaleMax = [amount, spent, forecast].reduce((m, v) => (v > m ? v : m), 1n);
      const W = 520, H = 26, x = (v) => (W * Number((v * 10000n) / scaleMax)) / 10000;
      const r = typeof s.ratio === 'number' ? s.ratio : ratio(spent, amount);
      const thresholds = (b.thresholds || []).map((t) => thresholdRatio(t, amount)).filter((t) => t !== null);
      const bar = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img',
        'aria-label': `${usd(spent)} of ${usd(amount)} spent (${percent(r)}), forecast ${usd(forecast)}, thresholds ${thresholds.map((t) => percent(t)).join(', ')}` },
        svg('rect', { class: 'bar-bg', x: 0, y: 6, width: x(amount).toFixed(1), height: 14 }),
        svg('rect', { class: 'bar' + (r >= 1 ? ' over' : r >= 0.75 ? ' near' : ''), x: 0, y: 6, width: x(spent).toFixed(1), height: 14 }));
      for (const t of thresholds) {
        const tx = x((amount * BigInt(Math.round(t * 10000))) / 10000n);
        bar.append(svg('line', { class: 'tick', x1: tx.toFixed(1), y1: 2, x2: tx.toFixed(1), y2: 24 }, svg('title', { text: 'threshold ' + percent(t) })));
      }
      const fx = Math.min(x(forecast), W - 1);
      bar.append(svg('line', { class: 'forecast', x1: fx.toFixed(1), y1: 0, x2: fx.toFixed(1), y2: H }, svg('title', { text: 'forecast ' + usd(forecast) })));
      const period = s.period || {};
      const scope = [b.workflow && 'workflow ' + b.workflow, b.provider && 'provider ' + b.provider, b.model && 'model ' + b.model].filter(Boolean).join(', ');
      return el('li', { class: 'budget', 'data-budget-id': b.id, 'data-spent': exact(spent), 'data-amount': exact(amount), 'data-forecast': exact(forecast) },
        el('div', null, el('strong', { text: b.client }), ' · ', b.id, scope ? ' · ' + scope : ''),
        el('div', null, money(spent), ' of ', money(amount), ' (' + percent(r) + ') · forecast ', money(forecast),
          forecast > amount ? el('span', { class: 'up', text: ' over budget' }) : ''),
        bar,
        el('div', { class: 'meta', text: `${b.period || 'month'} from ${period.start || '?'} to ${period.end || '?'} (${b.timezone || 'UTC'}) · policy: ${b.policy === 'block' ? 'block (budgets.check denies)' : 'alert only'}` +
          (s.unpriced_events ? ` · ${s.unpriced_events} unpriced events not counted` : '') +
          ((s.alerts_fired || []).length ? ' · fired: ' + s.alerts_fired.join(', ') : '') }));
    });
    target.replaceChildren(el('ul', { class: 'feed', id: 'budget-list' }, ...items));
  }

  // ---- rendering: alerts ---------------------------------------------------------------------
  function renderAlerts(answer) {
    const feed = $('alert-feed');
    if (answer.error) { $('alerts-empty').textContent = 'Alerts could not be read: ' + answer.error.message; return; }
    const alerts = answer.result.alerts || [];
    $('alerts-empty').hidden = alerts.length > 0;
    $('alerts-empty').textContent = 'No alerts.';
    const known = new Set([...feed.children].map((li) => li.dataset.alertId));
    const fresh = alerts.filter((a) => !known.has(a.id));
    if (fresh.length === 0 && known.size === alerts.length) return;
    const item = (a) => el('li', { 'data-alert-id': a.id },
      el('span', { class: 'level level-' + a.level, text: a.level }),
      el('strong', { text: a.client || '' }), ' ', a.message || a.key,
      el('div', { class: 'hint', text: (a.fired_at || '') + ' · ' + a.id }));
    if (known.size === 0 || fresh.length !== alerts.length - known.size) {
      feed.replaceChildren(...alerts.map(item));
    } else {
      // Only additions, so that screen readers announce just the new alerts.
      for (const a of fresh.slice().reverse()) feed.prepend(item(a));
    }
  }

  // ---- rendering: executions (reports.agency) ------------------------------------------------
  function renderExecutions(answer) {
    const target = $('executions');
    if (answer.error) {
      target.replaceChildren(note(isMissing(answer.error)
        ? 'executions not available: this server has no reports.agency yet.'
        : 'Executions could not be read: ' + answer.error.message));
      return;
    }
    const r = answer.result || {};
    const e = r.executions;
    if (!e) { target.replaceChildren(note('executions not available in this report.')); return; }
    const cards = el('div', { class: 'cards' },
      el('div', { class: 'card' }, el('div', { class: 'label', text: 'Executions' }), el('div', { class: 'value', id: 'exec-total', text: count(e.total) })),
      el('div', { class: 'card' }, el('div', { class: 'label', text: 'Succeeded' }), el('div', { class: 'value down', text: percent(Number(e.success_rate), 1) }), el('div', { class: 'compare', text: count(e.succeeded) })),
      el('div', { class: 'card' }, el('div', { class: 'label', text: 'Failed' }), el('div', { class: 'value up', text: percent(Number(e.failure_rate), 1) }), el('div', { class: 'compare', text: count(e.failed) })));
    const hotspots = r.failure_hotspots || [];
    const parts = [cards];
    if (hotspots.length === 0) parts.push(note('No failure hotspots in the range.'));
    else parts.push(sortableTable('table-hotspots', 'Failure hotspots, ' + state.range.label, [
      ['workflow', 'Workflow', 'text', (h) => h.workflow_name || h.workflow, (h) => el('span', { title: h.workflow, text: h.workflow_name ? h.workflow_name + ' (' + h.workflow + ')' : h.workflow })],
      ['client', 'Client', 'text', (h) => h.client ?? '(unattributed)'],
      ['failed', 'Failed', 'int', (h) => h.failed],
      ['total', 'Executions', 'int', (h) => h.total],
      ['failure_rate', 'Failure rate', 'ratio', (h) => Number(h.failure_rate), (h) => percent(Number(h.failure_rate), 1)],
    ], hotspots, { key: 'failure_rate', dir: 'desc' }));
    target.replaceChildren(...parts);
  }

  // ---- rendering: rules ----------------------------------------------------------------------
  /** What the rules panel shows, without the retry times that change each second. */
  function rulesKey(answer) {
    if (!answer || !answer.result) return JSON.stringify(answer && answer.error ? answer.error.code : null);
    const r = answer.result, failure = r.last_failure;
    return JSON.stringify([r.current && r.current.version, (r.history || []).length, failure && failure.attempted_version, failure && failure.error]);
  }
  function renderRules(answer) {
    const target = $('rules');
    if (answer.error) {
      target.replaceChildren(note(answer.error.code === -32003
        ? 'Rule status needs an admin token (rules.list is admin only); this token may not read it.'
        : isMissing(answer.error) ? 'rule status not available on this server.' : 'Rules could not be read: ' + answer.error.message));
      return;
    }
    const r = answer.result || {};
    const current = r.current || {};
    const rows = [
      ['Agency', r.agency || ''],
      ['Serving version', current.version || '(none loaded)'],
      ['Loaded at', current.loaded_at || ''],
      ['Files', (current.files || []).join(', ')],
      ['Alert rules', r.has_alerts ? 'yes (alerts.lua)' : 'no (thresholds only)'],
    ];
    const parts = [el('table', { id: 'rules-table' }, el('caption', { text: 'The rule set serving this agency' }),
      el('tbody', null, ...rows.map(([k, v]) => el('tr', null, el('th', { scope: 'row', text: k }), el('td', { text: String(v) })))))];
    const failure = r.last_failure;
    if (failure) {
      const error = failure.error || {};
      const where = [error.file, error.line].filter((x) => x !== undefined && x !== null).join(':');
      parts.push(el('div', { class: 'callout', id: 'rules-failure' }, el('strong', { text: 'The last load failed' }),
        ` (${failure.attempted_at || ''}${failure.attempted_version ? ', version ' + failure.attempted_version : ''}): ` +
        (where ? where + ': ' : '') + (error.message || error.kind || 'unknown error') + '. The serving version above goes on serving.'));
    } else {
      parts.push(el('p', { class: 'hint', id: 'rules-ok', text: 'No load failure since the serving version loaded.' }));
    }
    const history = (r.history || []).slice(-5).reverse();
    if (history.length > 1) parts.push(el('p', { class: 'hint', text: 'Recent versions, newest first: ' + history.map((h) => h.version + ' (' + h.loaded_at + ')').join(', ') }));
    target.replaceChildren(...parts);
  }

  // ---- loading -------------------------------------------------------------------------------
  function cheapCheck() {
    const f = state.filters;
    return ['spend.query', { from: rfc3339(state.range.from), to: rfc3339(state.range.to), filter: filterParam(f), timezone }];
  }
  /** Sums rows of a multi-dimension spend.query by one dimension, exactly (pico-USD). */
  function aggregate(rows, dimension) {
    const sums = new Map();
    for (const r of rows) {
      const value = r[dimension] === undefined ? null : r[dimension];
      const key = value === null ? '\u0000' : 'v' + value;
      let sum = sums.get(key);
      if (!sum) { sum = { value, cost: 0n, events: 0, errors: 0, unpriced: 0 }; sums.set(key, sum); }
      sum.cost += pico(r.cost);
      sum.events += r.events || 0;
      sum.errors += r.errors || 0;
      sum.unpriced += r.unpriced || 0;
    }
    return [...sums.values()].map((sum) => ({ [dimension]: sum.value, cost: exact(sum.cost), events: sum.events, errors: sum.errors, unpriced: sum.unpriced }));
  }
  const optionValues = (rows, key) => rows.map((r) => (r[key] === null || r[key] === undefined) ? (key === 'client' ? 'unattributed' : null) : r[key])
    .filter(Boolean).filter((v, i, all) => all.indexOf(v) === i).sort();

  /**
   * Everything in one JSON-RPC batch. The store answers one agency's queries one after another,
   * so the page asks few: the total (also the live check), one spend.query grouped by client,
   * provider, model and workflow (the four breakdowns are summed from it, exactly), one by day
   * (the trend and the today/week/month cards), and the filter choices only when a filter is set.
   */
  async function refreshAll() {
    const now = new Date();
    const f = state.filters;
    state.range = rangeOf(f, now);
    const from = rfc3339(state.range.from), to = rfc3339(state.range.to);
    const filter = filterParam(f);
    const filtered = Object.keys(filter).length > 0;
    document.body.dataset.from = from;
    document.body.dataset.to = to;
    $('range-label').textContent = `Showing ${state.range.label}: ${from} to ${to} (${timezone} days)`;
    const today = day(now), tomorrow = addDays(today, 1);
    const daysFrom = [new Date(today.getFullYear(), today.getMonth() - 1, 1), addDays(today, -((today.getDay() + 6) % 7) - 7), state.range.from]
      .reduce((a, b) => (a < b ? a : b));
    const daysTo = state.range.to > tomorrow ? state.range.to : tomorrow;
    const clientParam = f.client && f.client !== 'unattributed' ? { client: f.client } : {};
    const DIMS = ['client', 'provider', 'model', 'workflow'];
    const calls = [
      cheapCheck(),                                                                                     // 0
      ['spend.query', { from, to, group_by: DIMS, filter, timezone, limit: 100000 }],                   // 1
      ['spend.query', { from: rfc3339(daysFrom), to: rfc3339(daysTo), group_by: ['day'], filter, timezone, limit: 1000 }], // 2
      ['budgets.status', clientParam],                                                                  // 3
      ['alerts.list', Object.assign({ limit: 50 }, clientParam)],                                       // 4
      ['reports.agency', { from, to, format: 'json' }],                                                 // 5
      ['rules.list', {}],                                                                               // 6
    ];
    if (filtered) calls.push(['spend.query', { from, to, group_by: ['client', 'provider', 'model'], timezone, limit: 100000 }]); // 7
    const answers = await batch(calls);
    for (const i of [0, 1, 2]) if (answers[i].error) throw answers[i].error;
    const combined = answers[1].result;
    const breakdowns = {};
    if (combined.truncated) {
      // Too many combinations for one answer: ask per dimension instead.
      const more = await batch(DIMS.map((d) => ['spend.query', { from, to, group_by: [d], filter, timezone, limit: 100000 }]));
      DIMS.forEach((d, i) => { if (more[i].error) throw more[i].error; breakdowns[d] = more[i].result; });
    } else {
      for (const d of DIMS) breakdowns[d] = { rows: aggregate(combined.rows || [], d), truncated: false };
    }
    const optionRows = filtered ? (answers[7].error ? [] : answers[7].result.rows || []) : null;
    state.data = {
      now, total: answers[0].result, breakdowns, days: answers[2].result.rows || [],
      budgets: answers[3], alerts: answers[4], executions: answers[5], rules: answers[6],
      options: {
        client: optionValues(optionRows || breakdowns.client.rows, 'client'),
        provider: optionValues(optionRows || breakdowns.provider.rows, 'provider'),
        model: optionValues(optionRows || breakdowns.model.rows, 'model'),
      },
    };
    state.signature = signatureOf(answers[0].result);
    state.lastFull = Date.now();
    rerender();
    state.refreshes += 1;
    document.body.dataset.refreshes = String(state.refreshes);
    if (!document.body.dataset.loadMs) document.body.dataset.loadMs = String(Math.round(performance.now())); // since navigation start
    document.body.dataset.state = 'ready';
  }
  function signatureOf(result) {
    const t = result.total || {};
    return [t.cost, t.events, t.unpriced, t.errors].join('|');
  }
  function rerender() {
    const d = state.data;
    if (!d.total) return;
    renderCards(d.total, d.days, d.now);
    renderCallouts(d.breakdowns.client, d.total.total || {});
    $('trend').replaceChildren(lineChart(d.days.filter((r) => { const t = new Date(r.bucket_start); return t >= state.range.from && t < state.range.to; }),
      state.range.from, state.range.to));
    for (const dimension of ['client', 'provider', 'model', 'workflow']) renderBreakdown(dimension, d.breakdowns[dimension]);
    renderBudgets(d.budgets);
    renderAlerts(d.alerts);
    renderExecutions(d.executions);
    renderRules(d.rules);
    setOptions($('f-client'), d.options.client, state.filters.client);
    setOptions($('f-provider'), d.options.provider, state.filters.provider);
    setOptions($('f-model'), d.options.model, state.filters.model);
    setStatus('Live · updated ' + new Date().toLocaleTimeString());
  }

  /** Every 2 s while visible: one cheap total and the newest alerts; everything when the total moved. */
  async function poll() {
    if (state.busy || !state.token || document.visibilityState !== 'visible') return;
    state.busy = true;
    try {
      const stale = Date.now() - state.lastFull > FULL_REFRESH_MS || !state.range || day(new Date()).getTime() !== day(state.data.now || new Date(0)).getTime();
      if (stale) { await refreshAll(); return; }
      // rules.list (answered from memory) only for a token that may read it: a load error shows at once.
      const withRules = !!(state.data.rules && state.data.rules.result);
      const calls = [cheapCheck(), ['alerts.list', Object.assign({ limit: 50 }, state.filters.client && state.filters.client !== 'unattributed' ? { client: state.filters.client } : {})]];
      if (withRules) calls.push(['rules.list', {}]);
      const [total, alerts, rules] = await batch(calls);
      if (total.error) throw total.error;
      if (signatureOf(total.result) !== state.signature) { await refreshAll(); return; }
      state.data.alerts = alerts;
      renderAlerts(alerts);
      if (rules && rulesKey(rules) !== rulesKey(state.data.rules)) {
        state.data.rules = rules;
        renderRules(rules);
      }
      setStatus('Live · checked ' + new Date().toLocaleTimeString());
    } catch (error) {
      failed(error);
    } finally {
      state.busy = false;
    }
  }
  function failed(error) {
    if (isAuthError(error)) {
      signOut('That token was refused (' + error.message + '). Paste a valid read token.');
      return;
    }
    document.body.dataset.state = 'error';
    setStatus('Update failed: ' + error.message + ' (retrying)');
  }
  async function load() {
    state.busy = true;
    try { await refreshAll(); } catch (error) { failed(error); } finally { state.busy = false; }
  }

  // ---- sign in and out ------------------------------------------------------------------------
  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    state.data = {};
    $('main').hidden = true;
    $('forget').hidden = true;
    $('auth').hidden = false;
    $('token-error').textContent = message || '';
    document.body.dataset.state = 'signed-out';
    setStatus('Not signed in.');
    $('token').focus();
  }
  function signIn() {
    $('auth').hidden = true;
    $('main').hidden = false;
    $('forget').hidden = false;
    setStatus('Loading…');
    load();
  }

  function init() {
    state.filters = readHash();
    syncForm();
    $('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('token').value.trim();
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      state.token = token;
      $('token').value = '';
      $('token-error').textContent = '';
      signIn();
    });
    $('forget').addEventListener('click', () => signOut('Token forgotten.'));
    $('filters').addEventListener('change', () => {
      const f = {
        range: $('f-range').value, from: $('f-from').value, to: $('f-to').value,
        client: $('f-client').value, provider: $('f-provider').value, model: $('f-model').value,
      };
      state.filters = f;
      $('filters').dataset.custom = String(f.range === 'custom');
      writeHash(f);
      if (state.token) load();
    });
    $('filters').addEventListener('submit', (event) => event.preventDefault());
    window.addEventListener('hashchange', () => {
      state.filters = readHash();
      syncForm();
      if (state.token) load();
    });
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') poll(); });
    state.timer = setInterval(poll, POLL_MS);
    if (state.token) signIn(); else signOut('');
  }
  init();
})();
