// Vigil dashboard client: sign-in forms, action dialogs, live refresh of the problems list
// from the event stream, keyboard shortcuts and performance charts. Loaded as a file (the
// page's Content-Security-Policy allows no inline script); every string from the server is
// put into the page with textContent, never as markup.
(() => {
  'use strict';

  const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';
  const csrfToken = meta('csrf-token');
  const role = meta('vigil-role');

  /** Calls the JSON API as the signed-in user; resolves to { ok, status, body }. */
  async function api(method, url, body) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      return { ok: false, status: 0, body: { error: 'Vigil did not answer (network error)' } };
    }
    const answer = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, body: answer };
  }

  function errorText(result, fallback) {
    if (result.status === 403 && !result.body?.error) return 'You are not allowed to do this.';
    return result.body?.error ?? result.body?.message ?? fallback ?? `failed (HTTP ${result.status})`;
  }

  let toastTimer;
  function toast(text, kind = 'ok') {
    const box = document.getElementById('toast');
    if (!box) return;
    box.textContent = text;
    box.dataset.kind = kind;
    box.classList.add('shown');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => box.classList.remove('shown'), 4000);
  }

  // ---- sign-in, first admin, sign-out ---------------------------------------------------

  function setError(form, text) {
    const slot = form.querySelector('[data-slot="error"]');
    if (slot) slot.textContent = text;
  }

  /**
   * A path on this site to go to after signing in, or '/': the page checked it already, and
   * this checks again the way the browser will read it (tabs and newlines dropped, `\` as `/`).
   */
  function sameSitePath(next) {
    if (!next || !next.startsWith('/') || /[\u0000-\u001f\u007f-\u009f\\]/.test(next)) return '/';
    let url;
    try {
      url = new URL(next, location.origin);
    } catch {
      return '/';
    }
    // `/.//evil.example` resolves to the path `//evil.example`: one leading slash only.
    return url.origin === location.origin ? url.pathname.replace(/^\/+/, '/') + url.search + url.hash : '/';
  }

  async function login(form) {
    const data = new FormData(form);
    const username = String(data.get('username') ?? '').trim();
    const password = String(data.get('password') ?? '');
    if (!username || !password) return setError(form, 'Enter your username and password.');
    setError(form, '');
    const result = await api('POST', '/api/v1/session', { username, password });
    if (result.ok) {
      location.assign(sameSitePath(form.dataset.next));
      return;
    }
    if (result.status === 401) setError(form, 'Wrong username or password.');
    else if (result.status === 429)
      setError(form, `Too many failed attempts. ${errorText(result, 'Wait a minute and try again.')}`);
    else setError(form, errorText(result));
  }

  async function setup(form) {
    const data = new FormData(form);
    const password = String(data.get('password') ?? '');
    if (password !== String(data.get('confirm') ?? '')) return setError(form, 'The two passwords differ.');
    const body = {
      token: String(data.get('token') ?? ''),
      username: String(data.get('username') ?? '').trim(),
      password,
    };
    const result = await api('POST', '/api/v1/setup', body);
    if (result.ok) location.assign('/login');
    else setError(form, errorText(result));
  }

  async function logout() {
    await api('DELETE', '/api/v1/session');
    location.assign('/login');
  }

  // ---- actions and their dialogs ----------------------------------------------------------

  const isHost = (object) => !object.includes('/');

  function openDialog(id, object) {
    const dialog = document.getElementById(id);
    if (!dialog) return;
    const form = dialog.querySelector('form');
    form?.reset();
    if (form) setError(form, '');
    for (const slot of dialog.querySelectorAll('[data-slot="object"]')) slot.textContent = object ?? '';
    for (const name of ['object', 'target']) {
      const input = form?.elements.namedItem(name);
      if (input) input.value = object ?? '';
    }
    for (const el of dialog.querySelectorAll('[data-host-only]')) el.hidden = !object || !isHost(object);
    dialog.showModal();
    dialog.querySelector('textarea, select, button[type="submit"]')?.focus();
  }

  let confirmed;
  function confirmAction(question, action) {
    const dialog = document.getElementById('confirm-dialog');
    if (!dialog) return;
    dialog.querySelector('[data-slot="question"]').textContent = question;
    setError(dialog.querySelector('form'), '');
    confirmed = action;
    dialog.showModal();
  }

  function recheckUrl(object) {
    const slash = object.indexOf('/');
    if (slash < 0) return `/api/v1/hosts/${encodeURIComponent(object)}/recheck`;
    return `/api/v1/services/${encodeURIComponent(object.slice(0, slash))}/${encodeURIComponent(object.slice(slash + 1))}/recheck`;
  }

  const submitters = {
    async ack(data) {
      const object = String(data.get('object'));
      const body = {
        object,
        comment: String(data.get('comment') ?? '').trim(),
        sticky: data.get('sticky') === 'on',
      };
      if (!body.comment) return 'Write a comment: the team reads it.';
      const result = await api('POST', '/api/v1/acknowledgements', body);
      return result.ok ? { done: `${object} acknowledged` } : errorText(result);
    },
    async downtime(data) {
      const target = String(data.get('target'));
      const body = {
        target,
        for: String(data.get('for')),
        comment: String(data.get('comment') ?? '').trim(),
      };
      if (!body.comment) return 'Write a comment: why is it down?';
      if (isHost(target)) {
        body.services = data.get('services') === 'on';
        body.children = data.get('children') === 'on';
      }
      const result = await api('POST', '/api/v1/downtimes', body);
      return result.ok ? { done: `downtime scheduled for ${target}` } : errorText(result);
    },
    async recheck(data) {
      const object = String(data.get('object'));
      const result = await api('POST', recheckUrl(object));
      return result.ok ? { done: `${object} is being checked` } : errorText(result);
    },
    async confirm() {
      const action = confirmed;
      confirmed = undefined;
      return action ? action() : { done: '' };
    },
  };

  async function submitDialog(form) {
    const submit = submitters[form.dataset.form];
    if (!submit) return;
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const outcome = await submit(new FormData(form));
      if (typeof outcome === 'string') {
        setError(form, outcome);
        return;
      }
      form.closest('dialog')?.close();
      if (outcome.done) toast(outcome.done);
      // The problems list refreshes in place; other pages show the outcome after a reload.
      if (problemsList()) refreshSoon(300);
      else setTimeout(() => location.reload(), 800);
    } finally {
      button.disabled = false;
    }
  }

  function onAction(button) {
    const object = button.dataset.object;
    switch (button.dataset.action) {
      case 'logout':
        return logout();
      case 'help':
        return document.getElementById('help-dialog')?.showModal();
      case 'ack':
        return openDialog('ack-dialog', object);
      case 'downtime':
        return openDialog('downtime-dialog', object);
      case 'recheck':
        return openDialog('recheck-dialog', object);
      case 'unack':
        return confirmAction(`Remove the acknowledgement of ${object}?`, async () => {
          const body = { object };
          const result = await api('DELETE', '/api/v1/acknowledgements', body);
          return result.ok ? { done: 'acknowledgement removed' } : errorText(result);
        });
      case 'cancel-downtime':
        return confirmAction(`Cancel downtime ${button.dataset.downtime}?`, async () => {
          const result = await api(
            'DELETE',
            `/api/v1/downtimes/${encodeURIComponent(button.dataset.downtime)}`,
          );
          return result.ok ? { done: 'downtime cancelled' } : errorText(result);
        });
    }
  }

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const button = target?.closest('[data-action]');
    if (button && !button.disabled) {
      event.preventDefault();
      onAction(button);
      return;
    }
    if (target?.closest('[data-close]')) target.closest('dialog')?.close();
  });

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.form) return;
    event.preventDefault();
    if (form.dataset.form === 'login') login(form);
    else if (form.dataset.form === 'setup') setup(form);
    else submitDialog(form);
  });

  document.addEventListener('change', (event) => {
    const select = event.target;
    if (select instanceof HTMLSelectElement && select.dataset.autosubmit !== undefined) select.form?.submit();
  });

  // ---- live refresh of the problems list -------------------------------------------------

  const problemsList = () => document.getElementById('problems');
  let refreshTimer;
  let lastRefresh = 0;

  /** Refetches the problems fragment, at most about once a second however many events arrive. */
  function refreshSoon(delay = 400) {
    if (!problemsList() || refreshTimer) return;
    const wait = Math.max(delay, 1000 - (Date.now() - lastRefresh));
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      lastRefresh = Date.now();
      const list = problemsList();
      if (list && window.htmx) window.htmx.trigger(list, 'vigil-refresh');
    }, wait);
  }

  function setLive(text, kind) {
    for (const el of document.querySelectorAll('[data-live]')) {
      el.textContent = text;
      el.dataset.kind = kind;
    }
  }

  let liveState = ['live', 'ok'];
  if (problemsList() && 'EventSource' in window) {
    const events = new EventSource('/api/v1/events');
    for (const type of ['state', 'problem', 'acknowledgement', 'downtime'])
      events.addEventListener(type, () => refreshSoon());
    events.addEventListener('open', () => {
      liveState = ['live', 'ok'];
      setLive(...liveState);
      // Whatever happened while the stream was down.
      refreshSoon();
    });
    events.addEventListener('error', () => {
      liveState = ['reconnecting…', 'warn'];
      setLive(...liveState);
    });
    // While the stream is down (a proxy that cuts it, a restart), the list still refreshes.
    setInterval(() => {
      if (events.readyState !== EventSource.OPEN) refreshSoon();
    }, 30_000);
  }

  // Open explanations and the selected row survive a refresh.
  const openDetails = new Set();
  document.addEventListener(
    'toggle',
    (event) => {
      const details = event.target;
      if (!(details instanceof HTMLDetailsElement)) return;
      const object = details.closest('[data-object]')?.dataset.object;
      if (!object) return;
      if (details.open) openDetails.add(object);
      else openDetails.delete(object);
    },
    true,
  );

  document.addEventListener('htmx:afterSettle', () => {
    for (const li of document.querySelectorAll('#problems .problem')) {
      if (openDetails.has(li.dataset.object)) li.querySelector('details')?.setAttribute('open', '');
    }
    setLive(...liveState);
    select(selected, false);
  });

  document.addEventListener('htmx:responseError', (event) => {
    const status = event.detail?.xhr?.status;
    if (status === 401)
      location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    else setLive('refresh failed', 'warn');
  });

  // ---- keyboard -------------------------------------------------------------------------

  let selected;
  const rows = () => [...document.querySelectorAll('#problems .problem')];

  function select(object, scroll = true) {
    let found;
    for (const row of rows()) {
      const on = row.dataset.object === object;
      row.classList.toggle('selected', on);
      row.setAttribute('aria-selected', on ? 'true' : 'false');
      if (on) found = row;
    }
    selected = found ? object : undefined;
    if (found && scroll) {
      found.scrollIntoView({ block: 'nearest' });
      found.querySelector('.object a')?.focus({ preventScroll: true });
    }
  }

  function move(step) {
    const list = rows();
    if (list.length === 0) return;
    const at = list.findIndex((r) => r.dataset.object === selected);
    const next =
      at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + step));
    select(list[next].dataset.object);
  }

  function current() {
    if (selected) return selected;
    return document.querySelector('article.object')?.dataset.object;
  }

  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLElement && target.closest('input, textarea, select, dialog, [contenteditable]'))
      return;
    if (document.querySelector('dialog[open]')) return;
    const object = current();
    const act = (action) => {
      const button = document.querySelector(
        `[data-action="${action}"][data-object="${CSS.escape(object ?? '')}"]`,
      );
      if (button && !button.disabled) onAction(button);
      else if (object && role === 'viewer') toast('Your role (viewer) cannot do this.', 'warn');
    };
    switch (event.key) {
      case 'j':
        move(1);
        break;
      case 'k':
        move(-1);
        break;
      case 'Enter': {
        const row = rows().find((r) => r.dataset.object === selected);
        if (!row || target instanceof HTMLAnchorElement || target instanceof HTMLButtonElement) return;
        location.assign(row.dataset.href);
        break;
      }
      case 'a':
        act('ack');
        break;
      case 'd':
        act('downtime');
        break;
      case 'r':
        act('recheck');
        break;
      case '?':
        document.getElementById('help-dialog')?.showModal();
        break;
      case '/': {
        const search = document.querySelector('[data-search]');
        if (search) search.focus();
        else location.assign('/hosts');
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  });

  // ---- performance charts ---------------------------------------------------------------

  // Deploys of the object or its host, from the page (data-deploys), as vertical markers whose
  // tooltip names the version and who deployed it. Redrawn with the chart, so zooming keeps them.
  function deploysOf(box) {
    try {
      const deploys = JSON.parse(box.dataset.deploys || '[]');
      return Array.isArray(deploys) ? deploys : [];
    } catch {
      return [];
    }
  }

  function drawDeployMarkers(u, deploys) {
    for (const old of u.over.querySelectorAll('.deploy-marker')) old.remove();
    const min = u.scales.x.min;
    const max = u.scales.x.max;
    for (const deploy of deploys) {
      const at = deploy.at / 1000;
      if (!(at >= min && at <= max)) continue;
      const marker = document.createElement('div');
      marker.className = 'deploy-marker';
      marker.style.left = `${u.valToPos(at, 'x')}px`;
      marker.title = `${deploy.service}: version ${deploy.version}${deploy.by ? ` by ${deploy.by}` : ''} at ${new Date(deploy.at).toISOString()}`;
      u.over.append(marker);
    }
  }

  async function drawCharts(box, since, until) {
    const deploys = deploysOf(box);
    const object = box.dataset.object;
    const query = new URLSearchParams({
      object,
      since: String(Math.round(since)),
      until: String(Math.round(until)),
    });
    const result = await api('GET', `/api/v1/perfdata?${query}`);
    box.replaceChildren();
    if (!result.ok) {
      const p = document.createElement('p');
      p.className = 'error';
      p.textContent = `Performance data could not be loaded: ${errorText(result)}`;
      box.append(p);
      return;
    }
    const series = result.body.series ?? [];
    if (series.length === 0) {
      const p = document.createElement('p');
      p.className = 'muted';
      p.textContent = 'No performance data in this range.';
      box.append(p);
      return;
    }
    for (const s of series) {
      const figure = document.createElement('figure');
      figure.className = 'chart';
      const caption = document.createElement('figcaption');
      caption.textContent = s.unit ? `${s.label} (${s.unit})` : s.label;
      figure.append(caption);
      box.append(figure);
      const points = s.points ?? [];
      const data = [
        points.map((p) => p.at / 1000),
        points.map((p) => p.avg),
        points.map((p) => p.min),
        points.map((p) => p.max),
      ];
      const width = Math.max(300, Math.min(box.clientWidth || 800, 1100));
      new window.uPlot(
        {
          width,
          height: 180,
          scales: { x: { time: true, min: since / 1000, max: until / 1000 } },
          cursor: { drag: { x: true, y: false } },
          series: [
            {},
            { label: 'avg', stroke: '#1f5fbf', width: 1.5 },
            { label: 'min', stroke: '#8aa6d6', width: 1, dash: [4, 3] },
            { label: 'max', stroke: '#c0504d', width: 1, dash: [4, 3] },
          ],
          hooks: {
            draw: [(u) => drawDeployMarkers(u, deploys)],
            setSelect: [
              (u) => {
                if (u.select.width < 5) return;
                const from = u.posToVal(u.select.left, 'x') * 1000;
                const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
                drawCharts(box, from, to);
              },
            ],
          },
        },
        data,
        figure,
      );
      figure.addEventListener('dblclick', () =>
        drawCharts(box, Number(box.dataset.since), Number(box.dataset.until)),
      );
    }
  }

  function startCharts() {
    const box = document.getElementById('charts');
    if (!box) return;
    if (!window.uPlot) {
      box.textContent = 'Charts need uPlot, which did not load.';
      return;
    }
    drawCharts(box, Number(box.dataset.since), Number(box.dataset.until));
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', startCharts);
  else startCharts();
})();
