// The edgemq dashboard: polls the admin API on this origin and draws what it
// answers. No framework, no library: charts are a few canvas calls.
//
//   GET /api/v1/stats      every second: charts (rates are deltas between polls)
//   GET /api/v1/clients    every 2 s and as the search changes; DELETE kicks
//   GET /api/v1/retained   every 5 s
//
// With admin_tokens set, the first 401 shows a token form; the token stays
// in sessionStorage (this tab only) and goes out as `Authorization: Bearer`.
// Every chart element carries its latest values as data-* attributes
// (data-points, data-last-<series>, data-max-<series>) for tests and scripts.
'use strict';

(() => {
  const POINTS = 120;           // per series: two minutes at one poll a second
  const STATS_EVERY_MS = 1000;
  const CLIENTS_EVERY_MS = 2000;
  const RETAINED_EVERY_MS = 5000;
  const PAGE_LIMIT = 50;
  const KICK_CONFIRM_MS = 4000; // how long a Kick button waits for its second click
  const PAYLOAD_PREVIEW = 80;   // characters of a retained payload shown
  const TOKEN_KEY = 'edgemq.admin.token';

  const $ = (id) => document.getElementById(id);

  // ---- numbers ------------------------------------------------------------

  // 1, 2, 5 times a power of ten, at least x: the charts' top line.
  function niceCeil(x) {
    if (!(x > 0)) return 1;
    const e = Math.pow(10, Math.floor(Math.log10(x)));
    const f = x / e;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
  }

  function compact(n) {
    if (!Number.isFinite(n)) return '–';
    const a = Math.abs(n);
    const short = (v, suffix) => {
      const s = v >= 100 ? v.toFixed(0) : v.toFixed(1);
      return s.replace(/\.0$/, '') + suffix;
    };
    if (a >= 1e9) return short(n / 1e9, 'G');
    if (a >= 1e6) return short(n / 1e6, 'M');
    if (a >= 1e4) return short(n / 1e3, 'k');
    if (Number.isInteger(n) || a >= 100) return n.toFixed(0);
    return n.toFixed(a >= 10 ? 1 : 2).replace(/\.?0+$/, '');
  }

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d > 0) return `${d}d ${h}h`;
    if (h > 0) return `${h}h ${m}m`;
    if (m > 0) return `${m}m ${s % 60}s`;
    return `${s}s`;
  }

  // ---- charts -------------------------------------------------------------

  // A rolling line chart of POINTS samples per series in a <figure> holding
  // a <figcaption> and a <canvas>. Series colours come from the stylesheet
  // (.series-N), so the legend and the lines always agree.
  class Chart {
    constructor(figure, series, unit) {
      this.figure = figure;
      this.canvas = figure.querySelector('canvas');
      this.unit = unit;
      const legend = document.createElement('span');
      legend.className = 'legend';
      this.series = series.map((name, i) => {
        const item = document.createElement('span');
        const swatch = document.createElement('span');
        swatch.className = `swatch series-${i}`;
        const label = document.createElement('span');
        item.append(swatch, label);
        legend.append(item);
        return { name, values: [], swatch, label };
      });
      figure.querySelector('figcaption').append(legend);
      figure.dataset.points = '0';
      this.updateLegend();
      if (window.ResizeObserver) new ResizeObserver(() => this.draw()).observe(this.canvas);
    }

    // values: { seriesName: number }, one sample for every series.
    push(values) {
      for (const s of this.series) {
        const v = Number(values[s.name]);
        s.values.push(Number.isFinite(v) && v >= 0 ? v : 0);
        if (s.values.length > POINTS) s.values.shift();
        const key = s.name.charAt(0).toUpperCase() + s.name.slice(1);
        this.figure.dataset['last' + key] = String(Math.round(s.values[s.values.length - 1] * 100) / 100);
        this.figure.dataset['max' + key] = String(Math.round(Math.max(...s.values) * 100) / 100);
      }
      this.figure.dataset.points = String(this.series[0].values.length);
      this.updateLegend();
      this.draw();
    }

    updateLegend() {
      for (const s of this.series) {
        const last = s.values.length ? compact(s.values[s.values.length - 1]) : '–';
        s.label.textContent = `${s.name} ${last}${this.unit}`;
      }
    }

    draw() {
      const c = this.canvas;
      const w = c.clientWidth, h = c.clientHeight;
      if (w === 0 || h === 0) return;
      const dpr = window.devicePixelRatio || 1;
      if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
        c.width = Math.round(w * dpr);
        c.height = Math.round(h * dpr);
      }
      const g = c.getContext('2d');
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.clearRect(0, 0, w, h);

      const style = getComputedStyle(this.figure);
      const left = 46, right = 8, top = 8, bottom = 18;
      const pw = w - left - right, ph = h - top - bottom;
      let max = 0;
      for (const s of this.series) for (const v of s.values) if (v > max) max = v;
      const ceiling = niceCeil(max);

      // Grid and the axis labels: the top line's value, half of it, zero.
      g.font = `11px ${style.fontFamily}`;
      g.fillStyle = style.color;
      g.strokeStyle = style.getPropertyValue('--grid').trim() || '#e8edf2';
      g.lineWidth = 1;
      g.textAlign = 'right';
      g.textBaseline = 'middle';
      for (const f of [0, 0.5, 1]) {
        const y = Math.round(top + ph * (1 - f)) + 0.5;
        g.beginPath();
        g.moveTo(left, y);
        g.lineTo(left + pw, y);
        g.stroke();
        g.fillText(compact(ceiling * f), left - 6, y);
      }
      g.textBaseline = 'alphabetic';
      g.textAlign = 'left';
      g.fillText('−2 min', left, h - 3);
      g.textAlign = 'right';
      g.fillText('now', left + pw, h - 3);

      // Newest sample on the right edge, one slot per poll.
      g.lineWidth = 1.6;
      g.lineJoin = 'round';
      for (const s of this.series) {
        const n = s.values.length;
        if (n === 0) continue;
        const colour = getComputedStyle(s.swatch).backgroundColor;
        const xy = (v, i) => [left + (pw * (POINTS - n + i)) / (POINTS - 1), top + ph * (1 - v / ceiling)];
        if (n === 1) { // no line yet: a dot
          const [x, y] = xy(s.values[0], 0);
          g.fillStyle = colour;
          g.beginPath();
          g.arc(x - 2, y, 2.5, 0, 2 * Math.PI);
          g.fill();
          continue;
        }
        g.strokeStyle = colour;
        g.beginPath();
        s.values.forEach((v, i) => {
          const [x, y] = xy(v, i);
          if (i === 0) g.moveTo(x, y);
          else g.lineTo(x, y);
        });
        g.stroke();
      }
    }
  }

  // ---- status line and the API ----------------------------------------------

  const errors = new Map(); // source -> what went wrong, shown until it works again

  function showStatus() {
    $('status').textContent = [...errors.values()].join('\n');
  }

  function clearError(source) {
    if (errors.delete(source)) showStatus();
  }

  function report(source, e) {
    if (e instanceof ApiError && e.status === 401) return; // the token form says it
    let text = `${source}: ${e && e.message ? e.message : String(e)}`;
    if (e instanceof ApiError && e.status) text = `${source}: ${e.status} ${e.code}: ${e.message}`;
    errors.set(source, text);
    showStatus();
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  let waitingForToken = false;

  function token() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || '';
    } catch {
      return '';
    }
  }

  function askForToken(why) {
    waitingForToken = true;
    errors.clear();
    errors.set('token', why);
    showStatus();
    $('token-form').hidden = false;
    $('forget-token').hidden = true;
    $('token').focus();
  }

  // Asks the admin API; the JSON answer, or an ApiError carrying the
  // endpoint's {"error","message"} (or what went wrong on the way).
  async function api(method, path) {
    if (waitingForToken) throw new ApiError(401, 'unauthorized', 'waiting for a token');
    const headers = { Accept: 'application/json' };
    const t = token();
    if (t) headers.Authorization = `Bearer ${t}`;
    let res;
    try {
      res = await fetch(path, { method, headers, cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, 'unreachable', `cannot reach the gateway (${e.message})`);
    }
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (res.status === 401) {
      // An answer to a request sent before the token changed says nothing of the new one.
      if (t === token()) askForToken(t ? 'The token was refused: enter another.' : 'This endpoint needs a token.');
      throw new ApiError(401, 'unauthorized', body && body.message ? body.message : 'a token is needed');
    }
    if (!res.ok) {
      throw new ApiError(res.status, (body && body.error) || 'http_error',
                         (body && body.message) || text.slice(0, 200) || res.statusText);
    }
    if (body === null) throw new ApiError(res.status, 'bad_answer', `${path} did not answer JSON`);
    return body;
  }

  // Runs `task` now and then every `everyMs` (counted from each run's start,
  // and never sooner than its end). The function returned runs it at once
  // out of turn; one timer stays pending whatever the runs' order of ending.
  function every(everyMs, task) {
    let timer = 0;
    const run = async () => {
      clearTimeout(timer);
      const started = performance.now();
      try {
        await task();
      } finally {
        clearTimeout(timer);
        timer = setTimeout(run, Math.max(0, everyMs - (performance.now() - started)));
      }
    };
    run();
    return run; // to run it again at once
  }

  // ---- stats ------------------------------------------------------------------

  const charts = {
    connections: new Chart($('chart-connections'), ['connections'], ''),
    messages: new Chart($('chart-messages'), ['in', 'out'], '/s'),
    drops: new Chart($('chart-drops'), ['drops'], '/s'),
    lag: new Chart($('chart-lag'), ['lag'], ' ms'),
  };

  let previous = null; // { at, received, sent, dropped } of the last poll

  async function pollStats() {
    let s;
    try {
      s = await api('GET', '/api/v1/stats');
    } catch (e) {
      report('stats', e);
      return;
    }
    clearError('stats');
    const at = performance.now();
    const messages = s.messages || {};
    const dropped = Object.values(messages.dropped || {}).reduce((a, n) => a + Number(n || 0), 0);
    const now = { at, received: Number(messages.received || 0), sent: Number(messages.sent || 0), dropped };

    charts.connections.push({ connections: s.connections ? s.connections.current : 0 });
    charts.lag.push({ lag: s.loop_lag_ms?.max ?? 0 });
    // Rates need two polls; counters that went back mean a restarted gateway.
    if (previous && now.at > previous.at && now.received >= previous.received && now.sent >= previous.sent &&
        now.dropped >= previous.dropped) {
      const dt = (now.at - previous.at) / 1000;
      charts.messages.push({ in: (now.received - previous.received) / dt, out: (now.sent - previous.sent) / dt });
      charts.drops.push({ drops: (now.dropped - previous.dropped) / dt });
    }
    previous = now;

    const parts = [];
    if (s.version) parts.push(`v${s.version}`);
    if (s.uptime_s !== undefined) parts.push(`up ${duration(s.uptime_s)}`);
    parts.push(`${compact(s.connections ? s.connections.current : 0)} connected`);
    parts.push(`${compact(messages.received || 0)} in / ${compact(messages.sent || 0)} out`);
    if (s.retained !== undefined) parts.push(`${compact(s.retained)} retained`);
    $('summary').textContent = parts.join(' · ');
  }

  // ---- clients ----------------------------------------------------------------

  const rows = new Map();  // client id -> its <tr>, kept across refreshes (a click never lands on a stale row)
  const armed = new Map(); // client id -> timer of a Kick waiting for its second click
  const kicking = new Set();
  let clientsAsked = 0;    // answers to an older search are dropped

  function cell(tr, i, text, className) {
    const td = tr.children[i];
    if (td.textContent !== text) td.textContent = text;
    td.className = className || '';
  }

  function kickButton(id) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'kick';
    b.textContent = 'Kick';
    b.title = 'disconnect this client (its session, if persistent, stays)';
    b.addEventListener('click', () => onKick(id, b));
    return b;
  }

  function showKickState(id, b) {
    if (kicking.has(id)) {
      b.textContent = 'Kicking…';
      b.disabled = true;
      b.classList.remove('armed');
    } else if (armed.has(id)) {
      b.textContent = 'Sure?';
      b.disabled = false;
      b.classList.add('armed');
    } else {
      b.textContent = 'Kick';
      b.disabled = false;
      b.classList.remove('armed');
    }
  }

  async function onKick(id, b) {
    if (kicking.has(id)) return;
    if (!armed.has(id)) {
      armed.set(id, setTimeout(() => {
        armed.delete(id);
        showKickState(id, b);
      }, KICK_CONFIRM_MS));
      showKickState(id, b);
      return;
    }
    clearTimeout(armed.get(id));
    armed.delete(id);
    kicking.add(id);
    showKickState(id, b);
    try {
      await api('DELETE', `/api/v1/clients/${encodeURIComponent(id)}`);
      clearError('kick');
    } catch (e) {
      report('kick', e);
    } finally {
      kicking.delete(id);
      showKickState(id, b);
    }
    refreshClients();
  }

  function clientRow(id) {
    let tr = rows.get(id);
    if (tr) return tr;
    tr = document.createElement('tr');
    tr.dataset.clientId = id;
    for (let i = 0; i < 10; ++i) tr.append(document.createElement('td'));
    rows.set(id, tr);
    return tr;
  }

  function renderClients(page) {
    const body = $('client-rows');
    const seen = new Set();
    for (const c of page.items || []) {
      const id = String(c.client_id);
      seen.add(id);
      const tr = clientRow(id);
      const on = Boolean(c.connected);
      tr.className = on ? 'connected' : 'offline';
      tr.dataset.state = on ? 'connected' : 'offline';
      cell(tr, 0, id, 'id');
      cell(tr, 1, on ? 'connected' : 'offline', on ? 'state-connected' : '');
      cell(tr, 2, on ? String(c.protocol ?? '') : '–');
      cell(tr, 3, on ? String(c.transport ?? '') : '–');
      cell(tr, 4, on ? String(c.peer ?? '') : '–');
      cell(tr, 5, on ? String(c.username ?? '') : '–');
      cell(tr, 6, String(c.inflight ?? 0), 'num');
      cell(tr, 7, String(c.queued ?? 0), 'num');
      cell(tr, 8, String(c.subscription_count ?? 0), 'num');
      const action = tr.children[9];
      let b = action.querySelector('button.kick');
      if (on && !b) {
        b = kickButton(id);
        action.append(b);
      } else if (!on && b) {
        b.remove();
        b = null;
      }
      if (b) showKickState(id, b);
      body.append(tr); // in the answer's order (by client id)
    }
    for (const [id, tr] of rows) {
      if (seen.has(id)) continue;
      tr.remove();
      rows.delete(id);
      clearTimeout(armed.get(id));
      armed.delete(id);
    }
    let empty = body.querySelector('tr.empty');
    if (seen.size === 0 && !empty) {
      empty = document.createElement('tr');
      empty.className = 'empty';
      const td = document.createElement('td');
      td.colSpan = 10;
      empty.append(td);
      body.append(empty);
    }
    if (empty) {
      if (seen.size > 0) empty.remove();
      else empty.firstChild.textContent = $('client-search').value ? 'no client id starts with that' : 'no clients';
    }
    const total = Number(page.total ?? seen.size);
    $('clients-count').textContent = total > seen.size ? `${seen.size} of ${total}` : `${total}`;
  }

  async function loadClients() {
    const search = $('client-search').value;
    const q = new URLSearchParams({ limit: String(PAGE_LIMIT) });
    if (search) q.set('id_prefix', search);
    const asked = ++clientsAsked;
    try {
      const page = await api('GET', `/api/v1/clients?${q}`);
      if (asked !== clientsAsked) return;
      renderClients(page);
      clearError('clients');
    } catch (e) {
      if (asked === clientsAsked) report('clients', e);
    }
  }

  // ---- retained ---------------------------------------------------------------

  function preview(item) {
    const p = String(item.payload ?? '');
    if (item.payload_encoding === 'base64') {
      return `base64 ${p.length > PAYLOAD_PREVIEW ? p.slice(0, PAYLOAD_PREVIEW) + '…' : p}`;
    }
    const chars = [...p]; // by code point, so a character is never cut in half
    return chars.length > PAYLOAD_PREVIEW ? chars.slice(0, PAYLOAD_PREVIEW).join('') + '…' : p;
  }

  function renderRetained(page) {
    const body = $('retained-rows');
    const trs = (page.items || []).map((m) => {
      const tr = document.createElement('tr');
      tr.dataset.topic = String(m.topic);
      const values = [[String(m.topic), 'topic'], [String(m.qos ?? 0), 'num'], [String(m.size ?? 0), 'num'],
                      [preview(m), 'payload']];
      for (const [text, className] of values) {
        const td = document.createElement('td');
        td.textContent = text;
        td.className = className;
        tr.append(td);
      }
      return tr;
    });
    if (trs.length === 0) {
      const tr = document.createElement('tr');
      tr.className = 'empty';
      const td = document.createElement('td');
      td.colSpan = 4;
      td.textContent = 'nothing retained';
      tr.append(td);
      trs.push(tr);
    }
    body.replaceChildren(...trs);
    const total = Number(page.total ?? trs.length);
    const shown = (page.items || []).length;
    $('retained-count').textContent = total > shown ? `${shown} of ${total}` : `${total}`;
  }

  async function loadRetained() {
    try {
      renderRetained(await api('GET', `/api/v1/retained?limit=${PAGE_LIMIT}`));
      clearError('retained');
    } catch (e) {
      report('retained', e);
    }
  }

  // ---- wiring -------------------------------------------------------------------

  const refreshStats = every(STATS_EVERY_MS, pollStats);
  const refreshClients = every(CLIENTS_EVERY_MS, loadClients);
  const refreshRetained = every(RETAINED_EVERY_MS, loadRetained);

  let searchTimer = 0;
  $('client-search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(refreshClients, 200);
  });

  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = $('token').value.trim();
    if (!t) return;
    try {
      sessionStorage.setItem(TOKEN_KEY, t);
    } catch (e) {
      report('token', e);
      return;
    }
    $('token').value = '';
    $('token-form').hidden = true;
    $('forget-token').hidden = false;
    waitingForToken = false;
    clearError('token');
    refreshStats();
    refreshClients();
    refreshRetained();
  });

  $('forget-token').hidden = !token();
  $('forget-token').addEventListener('click', () => {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // nothing stored then
    }
    $('forget-token').hidden = true;
    refreshStats();
  });

  window.addEventListener('resize', () => {
    for (const c of Object.values(charts)) c.draw();
  });
})();
