// The operators' dashboard: reads the admin API with the admin key (kept in session storage) and
// redraws itself on a timer. Plain browser JavaScript, no dependencies, charts drawn on canvas.
'use strict';

(() => {
  const KEY_STORAGE = 'notifications.adminKey';
  const STATS_EVERY_MS = 2000;
  const CLUSTER_EVERY_MS = 5000;
  const PROVIDERS_EVERY_MS = 5000;
  const DEAD_LETTERS_EVERY_MS = 15000;
  const HISTORY = 150;
  const COLORS = ['#4aa3ff', '#3ecf8e', '#f5b942', '#ff6b6b', '#b48cff', '#ff9f5a', '#5ad6d6', '#e36bd0', '#9fd35a', '#d6c45a'];

  const $ = (id) => document.getElementById(id);
  const state = {
    key: null,
    timers: [],
    queueHistory: [],
    reminderHistory: [],
    providersAvailable: null,
    providerRows: [],
    statsProviders: [],
    deadItems: [],
    deadCursor: null,
    selected: new Set(),
    lastOk: null,
  };

  class ApiError extends Error {
    constructor(kind, status, message) {
      super(message);
      this.kind = kind;
      this.status = status;
    }
  }

  // ---- API ----------------------------------------------------------------------------------

  async function api(path, options = {}) {
    const headers = { Authorization: 'Bearer ' + state.key, Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, {
        method: options.method || 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError('unreachable', 0, 'The API is unreachable (' + (e && e.message ? e.message : 'network error') + '). Figures shown are the last ones received.');
    }
    if (response.status === 401) throw new ApiError('unauthorized', 401, 'The admin key was refused (401 Unauthorized). Enter the key configured as Api:AdminKey.');
    if (response.status === 403) throw new ApiError('forbidden', 403, 'This key does not reach the admin API (403): use the admin key, not a tenant key.');
    if (!response.ok) {
      let detail = response.statusText;
      try {
        const problem = await response.json();
        detail = problem.detail || problem.title || detail;
      } catch (_) { /* not a problem document */ }
      throw new ApiError('http', response.status, response.status + ' ' + detail);
    }
    if (response.status === 204) return null;
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  function handleError(error, where) {
    if (error.kind === 'unauthorized' || error.kind === 'forbidden') {
      signOut(error.message);
      return;
    }
    showBanner((where ? where + ': ' : '') + error.message);
    setConnection('error', error.kind === 'unreachable' ? 'API unreachable' : 'error');
  }

  // ---- key and start-up ---------------------------------------------------------------------

  function keyFromHash() {
    const hash = window.location.hash.replace(/^#/, '');
    if (!hash) return null;
    const params = new URLSearchParams(hash);
    const key = params.get('key');
    if (key !== null) {
      // The key leaves the address bar and history at once.
      history.replaceState(null, '', window.location.pathname + window.location.search);
    }
    return key;
  }

  async function start() {
    const fromHash = keyFromHash();
    if (fromHash) sessionStorage.setItem(KEY_STORAGE, fromHash);
    state.key = sessionStorage.getItem(KEY_STORAGE);
    $('login-form').addEventListener('submit', onLogin);
    $('sign-out').addEventListener('click', () => signOut(null));
    $('dead-filter').addEventListener('submit', (e) => { e.preventDefault(); loadDeadLetters(false); });
    $('dead-more').addEventListener('click', () => loadDeadLetters(true));
    $('replay-selected').addEventListener('click', replaySelected);
    $('replay-since').addEventListener('click', replaySince);
    $('select-all').addEventListener('change', onSelectAll);
    $('search-form').addEventListener('submit', onSearch);
    // A #key= link opened in a tab already showing the page changes only the fragment.
    window.addEventListener('hashchange', async () => {
      const key = keyFromHash();
      if (!key) return;
      sessionStorage.setItem(KEY_STORAGE, key);
      state.key = key;
      stopTimers();
      await open();
    });
    if (state.key) {
      await open();
    } else {
      showLogin(null);
    }
  }

  async function onLogin(event) {
    event.preventDefault();
    const key = $('admin-key').value.trim();
    if (!key) return;
    state.key = key;
    sessionStorage.setItem(KEY_STORAGE, key);
    await open();
  }

  async function open() {
    try {
      const cluster = await api('/v1/admin/cluster');
      $('login').hidden = true;
      $('board').hidden = false;
      $('sign-out').hidden = false;
      hideBanner();
      renderCluster(cluster);
      markOk();
      schedule(refreshStats, STATS_EVERY_MS, true);
      schedule(refreshCluster, CLUSTER_EVERY_MS, false);
      schedule(refreshProviders, PROVIDERS_EVERY_MS, true);
      schedule(() => loadDeadLetters(false), DEAD_LETTERS_EVERY_MS, true);
    } catch (error) {
      if (error.kind === 'unauthorized' || error.kind === 'forbidden') {
        signOut(error.message);
      } else {
        showLogin(error.message);
      }
    }
  }

  function signOut(message) {
    stopTimers();
    sessionStorage.removeItem(KEY_STORAGE);
    state.key = null;
    setConnection('idle', 'not connected');
    showLogin(message);
  }

  function showLogin(message) {
    $('board').hidden = true;
    $('sign-out').hidden = true;
    $('login').hidden = false;
    hideBanner();
    const error = $('login-error');
    error.textContent = message || '';
    error.hidden = !message;
    $('admin-key').value = '';
    $('admin-key').focus();
  }

  function schedule(task, every, runNow) {
    let running = false;
    const tick = async () => {
      if (running || !state.key) return;
      running = true;
      try { await task(); } finally { running = false; }
    };
    if (runNow) tick();
    state.timers.push(setInterval(tick, every));
  }

  function stopTimers() {
    state.timers.forEach(clearInterval);
    state.timers = [];
  }

  function markOk() {
    state.lastOk = new Date();
    setConnection('live', 'live');
    $('updated-at').textContent = 'updated ' + state.lastOk.toLocaleTimeString();
  }

  function setConnection(kind, text) {
    const pill = $('connection');
    pill.className = 'pill pill-' + kind;
    pill.textContent = text;
  }

  function showBanner(text) {
    const banner = $('banner');
    banner.textContent = text;
    banner.hidden = false;
  }

  function hideBanner() {
    $('banner').hidden = true;
  }

  // ---- cluster ------------------------------------------------------------------------------

  async function refreshCluster() {
    try {
      renderCluster(await api('/v1/admin/cluster'));
      markOk();
    } catch (error) {
      handleError(error, 'Cluster');
    }
  }

  function renderCluster(cluster) {
    $('answered-by').textContent = 'via ' + cluster.answeredBy;
    const live = cluster.silos.filter((s) => s.status === 'active').length;
    const activations = cluster.silos.reduce((sum, s) => sum + (s.activations || 0), 0);
    $('cluster-summary').textContent = live + ' live of ' + cluster.silos.length + ' silos · ' + activations + ' activations';
    const colors = new Map(cluster.silos.map((s, i) => [s.id, COLORS[i % COLORS.length]]));
    const body = $('silo-table').tBodies[0];
    body.replaceChildren(...cluster.silos.map((s) => row([
      cell(text(s.id + (s.self ? ' (this)' : '')), { title: s.id }),
      cell(status(s.status)),
      cell(text(s.address || '-'), { title: s.address }),
      cell(text(duration(s.uptimeSeconds))),
      num(s.activations === null ? '-' : s.activations, s.activationsByType ? Object.entries(s.activationsByType).map(([k, v]) => k + ': ' + v).join(', ') : ''),
      num(s.cpuPercent === null ? '-' : s.cpuPercent.toFixed(1) + ' %'),
      num(s.memoryBytes === null ? '-' : bytes(s.memoryBytes)),
      num(s.reminderLagSeconds === null ? '-' : duration(s.reminderLagSeconds)),
    ], { 'data-silo': s.id, 'data-reachable': String(s.reachable) })));

    // One chip per grain type and silo, in the silo's colour: where Orleans placed the activations.
    const chips = cluster.silos.flatMap((s) => Object.entries(s.activationsByType || {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, count]) => {
        const span = document.createElement('span');
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = colors.get(s.id);
        span.className = 'cell';
        span.dataset.silo = s.id;
        span.dataset.grainType = type;
        span.append(swatch, type + ' ' + count);
        span.title = s.id + ': ' + count + ' ' + type;
        return span;
      }));
    $('grain-map').replaceChildren(...chips);
  }

  // ---- traffic, queue, latency, reminders ---------------------------------------------------

  async function refreshStats() {
    try {
      const stats = await api('/v1/admin/stats');
      renderStats(stats);
      markOk();
      hideBanner();
    } catch (error) {
      handleError(error, 'Traffic');
    }
  }

  function renderStats(stats) {
    const interval = stats.intervalSeconds || 1;
    const points = stats.traffic;
    $('traffic-window').textContent = 'last ' + duration(stats.windowSeconds) + ' · ' + stats.silosReporting.length + ' silos reporting'
      + (stats.silosUnreachable.length ? ' · unreachable: ' + stats.silosUnreachable.join(', ') : '');

    const recent = points.slice(-5);
    const perSecond = (pick) => recent.length === 0 ? null : recent.reduce((sum, p) => sum + pick(p), 0) / (recent.length * interval);
    const acceptedRate = perSecond((p) => p.accepted.reduce((s, c) => s + c.count, 0));
    const deliveredRate = perSecond((p) => p.attempts.filter((a) => a.outcome === 'delivered').reduce((s, a) => s + a.count, 0));
    const failedRate = perSecond((p) => p.attempts.filter((a) => ['retryable', 'permanent', 'unknown'].includes(a.outcome)).reduce((s, a) => s + a.count, 0));
    setKpi('kpi-accepted', acceptedRate === null ? '-' : acceptedRate.toFixed(1), acceptedRate);
    setKpi('kpi-delivered', deliveredRate === null ? '-' : deliveredRate.toFixed(1), deliveredRate);
    setKpi('kpi-failed', failedRate === null ? '-' : failedRate.toFixed(1), failedRate);

    const queue = stats.queue;
    setKpi('kpi-pending', String(queue.pending), queue.pending);
    setKpi('kpi-overdue', String(queue.overdue), queue.overdue);
    setKpi('kpi-oldest', queue.oldestPendingAgeSeconds === null ? 'none' : duration(queue.oldestPendingAgeSeconds), queue.oldestPendingAgeSeconds);
    const within = stats.latency.deliveredWithin30sRatio;
    setKpi('kpi-within30', within === null ? '-' : (within * 100).toFixed(1) + ' %', within);

    // Throughput by channel.
    const channels = new Set();
    points.forEach((p) => {
      p.accepted.forEach((c) => channels.add(c.channel));
      p.attempts.forEach((a) => channels.add(a.channel));
    });
    const throughput = [];
    [...channels].sort().forEach((channel) => {
      throughput.push({ name: 'submitted ' + channel, points: points.map((p) => ({ t: p.t, v: sum(p.accepted.filter((c) => c.channel === channel)) / interval })) });
      throughput.push({ name: 'delivered ' + channel, dashed: true, points: points.map((p) => ({ t: p.t, v: sum(p.attempts.filter((a) => a.channel === channel && a.outcome === 'delivered')) / interval })) });
    });
    lineChart($('chart-throughput'), throughput, { unit: '/s' });

    // Attempts by provider: delivered and failed.
    const providers = new Set();
    points.forEach((p) => p.attempts.forEach((a) => providers.add(a.provider)));
    const byProvider = [];
    [...providers].sort().forEach((provider) => {
      byProvider.push({ name: provider + ' delivered', points: points.map((p) => ({ t: p.t, v: sum(p.attempts.filter((a) => a.provider === provider && a.outcome === 'delivered')) / interval })) });
      byProvider.push({ name: provider + ' failed', dashed: true, points: points.map((p) => ({ t: p.t, v: sum(p.attempts.filter((a) => a.provider === provider && ['retryable', 'permanent', 'unknown'].includes(a.outcome))) / interval })) });
    });
    lineChart($('chart-providers'), byProvider, { unit: '/s' });

    // Queue depth history is kept by the page itself.
    const now = Date.parse(stats.generatedAt) / 1000;
    push(state.queueHistory, { t: now, pending: queue.pending, overdue: queue.overdue });
    lineChart($('chart-queue'), [
      { name: 'PENDING', points: state.queueHistory.map((q) => ({ t: q.t, v: q.pending })) },
      { name: 'due, not attempted', points: state.queueHistory.map((q) => ({ t: q.t, v: q.overdue })) },
    ], {});

    const latency = stats.latency;
    latencyRow('first', latency.firstAttempt);
    latencyRow('end', latency.endToEnd);
    histogramChart($('chart-latency'), latency.endToEndHistogram);

    // Reminders.
    const reminders = stats.reminders;
    setKpi('rem-due', String(reminders.due), reminders.due);
    setKpi('rem-lag', duration(reminders.lagSeconds), reminders.lagSeconds);
    setKpi('rem-silo-lag', duration(reminders.maxSiloLagSeconds), reminders.maxSiloLagSeconds);
    setKpi('rem-fired', reminders.fired + ' / ' + reminders.failed, reminders.fired);
    push(state.reminderHistory, { t: now, due: reminders.due, lag: reminders.lagSeconds });
    lineChart($('chart-reminders'), [
      { name: 'due', points: state.reminderHistory.map((r) => ({ t: r.t, v: r.due })) },
      { name: 'lag s', dashed: true, points: state.reminderHistory.map((r) => ({ t: r.t, v: r.lag })) },
    ], {});

    state.statsProviders = stats.providers;
    renderProviders();
  }

  function latencyRow(name, figures) {
    const cells = document.querySelector('#latency-table tr[data-row="' + name + '"]').cells;
    cells[1].textContent = String(figures.count);
    cells[2].textContent = figures.p50 === null ? '-' : duration(figures.p50);
    cells[3].textContent = figures.p90 === null ? '-' : duration(figures.p90);
    cells[4].textContent = figures.p99 === null ? '-' : duration(figures.p99);
  }

  function setKpi(id, textValue, raw) {
    const element = $(id);
    element.textContent = textValue;
    element.dataset.value = raw === null || raw === undefined ? '' : String(raw);
  }

  // ---- providers ----------------------------------------------------------------------------

  async function refreshProviders() {
    if (state.providersAvailable === false) return;
    try {
      const answer = await api('/v1/admin/providers');
      state.providerRows = Array.isArray(answer) ? answer : (answer.providers || answer.items || []);
      state.providersAvailable = true;
      $('providers-notice').hidden = true;
    } catch (error) {
      if (error.status === 404 || error.status === 405) {
        state.providersAvailable = false;
        const notice = $('providers-notice');
        notice.textContent = 'Breaker state and controls are not served here (GET /v1/admin/providers answered ' + error.status
          + '). Success rate and latency below come from the silos\' own attempt metrics.';
        notice.hidden = false;
      } else {
        handleError(error, 'Providers');
      }
    }
    renderProviders();
  }

  function renderProviders() {
    const rows = new Map();
    state.statsProviders.forEach((p) => rows.set(p.provider, {
      name: p.provider, channel: p.channel, circuitState: null, mode: null,
      successRate: p.successRate, latencyMs: p.latencyP95Ms, latencyLabel: 'p95',
    }));
    state.providerRows.forEach((p) => rows.set(p.name, {
      name: p.name, channel: p.channel, circuitState: p.circuitState, mode: p.mode, controllable: true,
      successRate: p.successRate ?? rows.get(p.name)?.successRate ?? null,
      latencyMs: p.latencyMs ?? rows.get(p.name)?.latencyMs ?? null, latencyLabel: p.latencyMs === undefined || p.latencyMs === null ? 'p95' : '',
    }));
    const body = $('provider-table').tBodies[0];
    body.replaceChildren(...[...rows.values()].sort((a, b) => (a.channel + a.name).localeCompare(b.channel + b.name)).map((p) => {
      const force = document.createElement('td');
      if (state.providersAvailable && p.controllable) {
        [['auto', 'Auto'], ['forced-open', 'Open'], ['forced-closed', 'Closed']].forEach(([mode, label]) => {
          const button = document.createElement('button');
          button.type = 'button';
          button.className = 'small';
          button.textContent = label;
          button.disabled = p.mode === mode;
          button.addEventListener('click', () => setCircuit(p.name, mode));
          force.append(button, ' ');
        });
      } else {
        force.textContent = '-';
      }
      return row([
        cell(text(p.name)),
        cell(text(p.channel || '-')),
        cell(p.circuitState ? status(p.circuitState) : text('-')),
        cell(text(p.mode || '-')),
        num(p.successRate === null || p.successRate === undefined ? '-' : (p.successRate * 100).toFixed(1) + ' %'),
        num(p.latencyMs === null || p.latencyMs === undefined ? '-' : p.latencyMs.toFixed(0) + ' ms' + (p.latencyLabel ? ' ' + p.latencyLabel : '')),
        force,
      ], { 'data-provider': p.name });
    }));
  }

  async function setCircuit(name, mode) {
    try {
      await api('/v1/admin/providers/' + encodeURIComponent(name) + '/circuit', { method: 'POST', body: { mode } });
      $('provider-result').textContent = name + ': breaker set to ' + mode + '.';
      await refreshProviders();
    } catch (error) {
      $('provider-result').textContent = name + ': ' + error.message;
      if (error.kind !== 'http') handleError(error, 'Providers');
    }
  }

  // ---- dead letters, replay, search ---------------------------------------------------------

  function deadLetterQuery() {
    const params = new URLSearchParams({ limit: '50' });
    const channel = $('filter-channel').value;
    const type = $('filter-type').value.trim();
    const tenant = $('filter-tenant').value.trim();
    const since = $('filter-since').value;
    if (channel) params.set('channel', channel);
    if (type) params.set('type', type);
    if (tenant) params.set('tenantId', tenant);
    if (since) params.set('since', new Date(since).toISOString());
    return params;
  }

  async function loadDeadLetters(more) {
    try {
      const params = deadLetterQuery();
      if (more && state.deadCursor) params.set('cursor', state.deadCursor);
      const page = await api('/v1/admin/dead-letters?' + params.toString());
      state.deadItems = more ? state.deadItems.concat(page.items) : page.items;
      state.deadCursor = page.nextCursor;
      const present = new Set(state.deadItems.map((n) => n.id));
      [...state.selected].forEach((id) => { if (!present.has(id)) state.selected.delete(id); });
      renderDeadLetters();
    } catch (error) {
      handleError(error, 'Dead letters');
    }
  }

  function renderDeadLetters() {
    $('dead-summary').textContent = state.deadItems.length + (state.deadCursor ? '+' : '') + ' FAILED';
    $('dead-more').hidden = !state.deadCursor;
    const body = $('dead-table').tBodies[0];
    body.replaceChildren(...state.deadItems.map((n) => {
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = state.selected.has(n.id);
      box.setAttribute('aria-label', 'Select ' + n.id);
      box.addEventListener('change', () => {
        if (box.checked) state.selected.add(n.id); else state.selected.delete(n.id);
        updateReplayButton();
      });
      const openButton = document.createElement('button');
      openButton.type = 'button';
      openButton.className = 'open';
      openButton.textContent = n.id;
      openButton.addEventListener('click', () => showDetail(n.id));
      const failedAt = n.completedAt || n.updatedAt;
      return row([
        cell(box), cell(openButton), cell(text(n.type)), cell(text(n.channel)), num(n.attempts.length),
        cell(text(failedAt ? new Date(failedAt).toLocaleString() : '-')), cell(text(n.reason || ''), { title: n.reason || '' }),
      ], { 'data-id': n.id });
    }));
    updateReplayButton();
  }

  function updateReplayButton() {
    $('replay-selected').disabled = state.selected.size === 0;
    $('replay-selected').textContent = state.selected.size > 0 ? 'Replay selected (' + state.selected.size + ')' : 'Replay selected';
  }

  function onSelectAll(event) {
    state.deadItems.forEach((n) => { if (event.target.checked) state.selected.add(n.id); else state.selected.delete(n.id); });
    renderDeadLetters();
  }

  async function replay(body, what) {
    const result = $('replay-result');
    try {
      const answer = await api('/v1/admin/dead-letters/replay', { method: 'POST', body });
      const failed = answer.notReplayed || [];
      result.textContent = 'Replayed ' + answer.replayed + ' ' + what + (failed.length ? '; not replayed: ' + failed.join(', ') : '') + '.';
      result.dataset.replayed = String(answer.replayed);
      state.selected.clear();
      await loadDeadLetters(false);
      await refreshStats();
    } catch (error) {
      result.textContent = 'Replay failed: ' + error.message;
      if (error.kind !== 'http') handleError(error, 'Replay');
    }
  }

  function replaySelected() {
    if (state.selected.size === 0) return;
    replay({ ids: [...state.selected] }, 'of ' + state.selected.size + ' selected');
  }

  function replaySince() {
    const since = $('filter-since').value;
    if (!since) {
      $('replay-result').textContent = 'Set "Failed since" first: every dead letter that failed since then is replayed.';
      return;
    }
    const body = { since: new Date(since).toISOString() };
    const tenant = $('filter-tenant').value.trim();
    if (tenant) body.tenantId = tenant;
    replay(body, 'failed since ' + new Date(since).toLocaleString());
  }

  async function onSearch(event) {
    event.preventDefault();
    const id = $('search-id').value.trim();
    const tenant = $('search-tenant').value.trim();
    $('search-error').textContent = '';
    if (!tenant && !/^ntf_[0-9a-f]{32}$/.test(id)) {
      $('search-error').textContent = 'That is not a notification id (ntf_ and 32 hex digits); to search by idempotency key, give the tenant too.';
      return;
    }
    await showDetail(id, tenant || null);
  }

  async function showDetail(idOrKey, tenant) {
    const detail = $('detail');
    try {
      const path = tenant
        ? '/v1/admin/notifications?' + new URLSearchParams({ tenant, idempotencyKey: idOrKey }).toString()
        : '/v1/admin/notifications/' + encodeURIComponent(idOrKey);
      const found = await api(path);
      renderDetail(found.tenantId, found.notification);
    } catch (error) {
      if (error.status === 404) {
        detail.hidden = true;
        $('search-error').textContent = 'No notification found for ' + idOrKey + (tenant ? ' in tenant ' + tenant : '') + '.';
      } else {
        $('search-error').textContent = error.message;
        if (error.kind !== 'http') handleError(error, 'Search');
      }
    }
  }

  function renderDetail(tenantId, n) {
    const detail = $('detail');
    detail.dataset.id = n.id;
    const heading = document.createElement('h3');
    heading.textContent = 'Notification ' + n.id;
    const list = document.createElement('dl');
    const add = (name, value) => {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      if (value instanceof Node) dd.append(value); else dd.textContent = value === null || value === undefined || value === '' ? '-' : String(value);
      list.append(dt, dd);
    };
    add('State', status(n.state));
    add('Tenant', tenantId);
    add('Idempotency key', n.idempotencyKey);
    add('Type', n.type);
    add('Channel', n.channel + ' · ' + n.priority);
    add('Created', new Date(n.createdAt).toLocaleString());
    add('Next attempt', n.nextAttemptAt ? new Date(n.nextAttemptAt).toLocaleString() : null);
    add('Completed', n.completedAt ? new Date(n.completedAt).toLocaleString() : null);
    add('Reason', n.reason);
    const attempts = document.createElement('table');
    attempts.className = 'grid compact attempts';
    const head = attempts.createTHead().insertRow();
    ['#', 'Provider', 'Started', 'Duration', 'Outcome', 'Status', 'Error'].forEach((h) => {
      const th = document.createElement('th');
      th.textContent = h;
      head.append(th);
    });
    const body = attempts.createTBody();
    n.attempts.forEach((a) => body.append(row([
      num(a.number), cell(text(a.provider)), cell(text(new Date(a.startedAt).toLocaleTimeString())), num(a.durationMs + ' ms'),
      cell(text(a.outcome)), num(a.statusCode ?? '-'), cell(text(a.error || ''), { title: a.error || '' }),
    ])));
    const children = [heading, list, attempts];
    if (n.state === 'FAILED') {
      const button = document.createElement('button');
      button.type = 'button';
      button.id = 'detail-replay';
      button.textContent = 'Replay this notification';
      button.addEventListener('click', async () => {
        await replay({ ids: [n.id] }, n.id);
        await showDetail(n.id);
      });
      children.push(button);
    }
    detail.replaceChildren(...children);
    detail.hidden = false;
  }

  // ---- charts -------------------------------------------------------------------------------

  function prepare(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || canvas.width;
    const height = Math.round(width * (canvas.height / canvas.width)) || canvas.height;
    if (canvas.dataset.w !== String(width)) {
      canvas.dataset.w = String(width);
      canvas.dataset.h = String(height);
    }
    const w = Number(canvas.dataset.w);
    const h = Number(canvas.dataset.h);
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = '11px system-ui, sans-serif';
    return { g, w, h };
  }

  function lineChart(canvas, series, options) {
    const { g, w, h } = prepare(canvas);
    const pad = { left: 44, right: 10, top: 10, bottom: 36 };
    const all = series.flatMap((s) => s.points);
    canvas.dataset.points = String(all.length);
    canvas.dataset.series = String(series.length);
    if (all.length === 0) {
      g.fillStyle = '#8b98a5';
      g.fillText('waiting for data…', pad.left, h / 2);
      return;
    }
    const t0 = Math.min(...all.map((p) => p.t));
    const t1 = Math.max(...all.map((p) => p.t));
    const max = (Math.max(0, ...all.map((p) => p.v)) || 1) * 1.1;
    const x = (t) => pad.left + (t1 === t0 ? 0 : (t - t0) / (t1 - t0)) * (w - pad.left - pad.right);
    const y = (v) => h - pad.bottom - (v / max) * (h - pad.top - pad.bottom);

    g.strokeStyle = '#2a3440';
    g.fillStyle = '#8b98a5';
    g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const v = (max / 1.1) * (i / 4);
      const yy = Math.round(y(v)) + 0.5;
      g.beginPath();
      g.moveTo(pad.left, yy);
      g.lineTo(w - pad.right, yy);
      g.stroke();
      g.fillText(short(v) + (options.unit || ''), 2, yy + 4);
    }
    g.fillText(clock(t0), pad.left, h - pad.bottom + 14);
    const right = clock(t1);
    g.fillText(right, w - pad.right - g.measureText(right).width, h - pad.bottom + 14);

    let legendX = pad.left;
    series.forEach((s, i) => {
      const color = COLORS[Math.floor(i / (series.some((z) => z.dashed) ? 2 : 1)) % COLORS.length];
      g.strokeStyle = color;
      g.lineWidth = 1.8;
      g.setLineDash(s.dashed ? [5, 4] : []);
      g.beginPath();
      s.points.forEach((p, j) => (j === 0 ? g.moveTo(x(p.t), y(p.v)) : g.lineTo(x(p.t), y(p.v))));
      g.stroke();
      g.setLineDash([]);
      const label = s.name;
      const width = g.measureText(label).width + 22;
      if (legendX + width < w) {
        g.strokeStyle = color;
        g.setLineDash(s.dashed ? [3, 2] : []);
        g.beginPath();
        g.moveTo(legendX, h - 8);
        g.lineTo(legendX + 14, h - 8);
        g.stroke();
        g.setLineDash([]);
        g.fillStyle = '#dbe3ea';
        g.fillText(label, legendX + 17, h - 4);
        legendX += width;
      }
    });
  }

  function histogramChart(canvas, histogram) {
    const { g, w, h } = prepare(canvas);
    const pad = { left: 44, right: 10, top: 10, bottom: 30 };
    if (!histogram || histogram.count === 0) {
      canvas.dataset.points = '0';
      g.fillStyle = '#8b98a5';
      g.fillText('no deliveries in the window', pad.left, h / 2);
      return;
    }
    // Show buckets up to the last non-empty one.
    let last = histogram.counts.length - 1;
    while (last > 0 && histogram.counts[last] === 0) last--;
    const counts = histogram.counts.slice(0, last + 1);
    const labels = counts.map((_, i) => (i < histogram.bounds.length ? '≤' + duration(histogram.bounds[i]) : '>' + duration(histogram.bounds[histogram.bounds.length - 1])));
    const max = Math.max(...counts);
    const barWidth = (w - pad.left - pad.right) / counts.length;
    canvas.dataset.points = String(counts.length);
    g.fillStyle = '#8b98a5';
    g.fillText(String(max), 4, pad.top + 8);
    g.fillText('0', 4, h - pad.bottom);
    counts.forEach((c, i) => {
      const bh = (c / max) * (h - pad.top - pad.bottom);
      const bound = i < histogram.bounds.length ? histogram.bounds[i] : Infinity;
      g.fillStyle = bound <= 30 ? '#3ecf8e' : '#f5b942';
      g.fillRect(pad.left + i * barWidth + 1, h - pad.bottom - bh, Math.max(1, barWidth - 2), bh);
      if (counts.length <= 12 || i % Math.ceil(counts.length / 12) === 0) {
        g.fillStyle = '#8b98a5';
        g.fillText(labels[i], pad.left + i * barWidth + 1, h - pad.bottom + 14);
      }
    });
    g.fillStyle = '#8b98a5';
    g.fillText('green: within 30 s', w - 110, pad.top + 8);
  }

  // ---- small helpers ------------------------------------------------------------------------

  function push(history, item) {
    history.push(item);
    while (history.length > HISTORY) history.shift();
  }

  function sum(items) {
    return items.reduce((s, i) => s + i.count, 0);
  }

  function row(cells, attributes) {
    const tr = document.createElement('tr');
    Object.entries(attributes || {}).forEach(([k, v]) => tr.setAttribute(k, v));
    tr.append(...cells);
    return tr;
  }

  function cell(content, attributes) {
    const td = document.createElement('td');
    Object.entries(attributes || {}).forEach(([k, v]) => { if (v !== undefined && v !== null && v !== '') td.setAttribute(k, v); });
    td.append(content);
    return td;
  }

  function num(value, title) {
    const td = cell(text(String(value)), { title });
    td.className = 'num';
    return td;
  }

  function text(value) {
    return document.createTextNode(value === null || value === undefined ? '' : String(value));
  }

  function status(value) {
    const span = document.createElement('span');
    span.className = 'status status-' + value;
    span.textContent = value;
    return span;
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '-';
    if (seconds < 1) return Math.round(seconds * 1000) + ' ms';
    if (seconds < 60) return seconds.toFixed(seconds < 10 ? 1 : 0) + ' s';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' m ' + Math.round(seconds % 60) + ' s';
    if (seconds < 86400) return Math.floor(seconds / 3600) + ' h ' + Math.round((seconds % 3600) / 60) + ' m';
    return Math.floor(seconds / 86400) + ' d ' + Math.round((seconds % 86400) / 3600) + ' h';
  }

  function bytes(value) {
    const units = ['B', 'KiB', 'MiB', 'GiB'];
    let v = value;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return v.toFixed(i === 0 ? 0 : 1) + ' ' + units[i];
  }

  function short(v) {
    if (v >= 1000) return (v / 1000).toFixed(1) + 'k';
    if (v >= 10) return v.toFixed(0);
    return v.toFixed(v === 0 ? 0 : 1);
  }

  function clock(unixSeconds) {
    return new Date(unixSeconds * 1000).toLocaleTimeString();
  }

  document.addEventListener('DOMContentLoaded', start);
})();
