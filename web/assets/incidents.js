// Vigil dashboard, incidents page: the countdown of each draft to its automatic publication,
// and the operator's actions (publish now, hold, post an update, resolve, edit the title, set
// the postmortem link), each confirmed in a dialog and sent to the incidents API with the
// session's CSRF token. Every string from the server goes into the page with textContent.
(() => {
  'use strict';

  const csrfToken = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const list = () => document.getElementById('incidents');
  if (!list()) return;

  async function api(method, url, body) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
    try {
      const response = await fetch(url, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (response.ok) return undefined;
      if (response.status === 403 && !answer.error) return 'You are not allowed to do this.';
      return answer.error ?? `failed (HTTP ${response.status})`;
    } catch {
      return 'Vigil did not answer (network error)';
    }
  }

  function toast(text) {
    const box = document.getElementById('toast');
    if (!box) return;
    box.textContent = text;
    box.dataset.kind = 'ok';
    box.classList.add('shown');
    setTimeout(() => box.classList.remove('shown'), 4000);
  }

  function refresh() {
    const box = list();
    if (box && window.htmx) window.htmx.trigger(box, 'vigil-incidents-refresh');
  }

  // ---- countdowns -----------------------------------------------------------------------

  // The server's clock, not the browser's, decides when a draft goes out.
  let offset = 0;
  function readServerClock() {
    const now = Number(list()?.dataset.serverNow);
    if (Number.isFinite(now) && now > 0) offset = now - Date.now();
  }

  function age(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
    const h = Math.floor(m / 60);
    return `${h}h ${m % 60}m`;
  }

  function tick() {
    for (const line of document.querySelectorAll('[data-publish-at]')) {
      const left = Number(line.dataset.publishAt) - (Date.now() + offset);
      const strong = line.querySelector('strong');
      if (!strong) continue;
      if (left > 0) strong.textContent = age(left);
      else {
        line.firstChild.textContent = 'Going public now';
        strong.textContent = '';
      }
      line.classList.toggle('soon', left < 30_000);
    }
  }

  readServerClock();
  tick();
  setInterval(tick, 1000);
  document.addEventListener('htmx:afterSettle', () => {
    readServerClock();
    tick();
  });

  // ---- actions --------------------------------------------------------------------------

  const outcomeOf = (done) => (error) => (error ? { error } : { done });
  const url = (id, action = '') => `/api/v1/incidents/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
  let confirmed;

  function setError(form, text) {
    const slot = form.querySelector('[data-slot="error"]');
    if (slot) slot.textContent = text;
  }

  function openForm(id, button, values = {}) {
    const dialog = document.getElementById(id);
    const form = dialog?.querySelector('form');
    if (!dialog || !form) return;
    form.reset();
    setError(form, '');
    for (const slot of dialog.querySelectorAll('[data-slot="incident"]'))
      slot.textContent = `#${button.dataset.incident} “${button.dataset.title}”`;
    form.elements.namedItem('id').value = button.dataset.incident;
    for (const [name, value] of Object.entries(values)) form.elements.namedItem(name).value = value;
    dialog.showModal();
    dialog.querySelector('textarea, input:not([type="hidden"]), select')?.focus();
  }

  function confirmAction(question, detail, action) {
    const dialog = document.getElementById('incident-confirm-dialog');
    if (!dialog) return;
    dialog.querySelector('[data-slot="question"]').textContent = question;
    dialog.querySelector('[data-slot="detail"]').textContent = detail;
    setError(dialog.querySelector('form'), '');
    confirmed = action;
    dialog.showModal();
    dialog.querySelector('button[type="submit"]')?.focus();
  }

  function onAction(button) {
    const id = button.dataset.incident;
    const name = `#${id} “${button.dataset.title}”`;
    switch (button.dataset.incidentAction) {
      case 'publish':
        return confirmAction(
          `Publish ${name} now?`,
          'Customers see it on the status site and subscribers are told.',
          () => api('POST', url(id, 'publish')).then(outcomeOf(`incident ${id} published`)),
        );
      case 'hold':
        return confirmAction(
          `Hold ${name}?`,
          'It stays a draft and goes public only when someone publishes it.',
          () => api('POST', url(id, 'hold')).then(outcomeOf(`incident ${id} held`)),
        );
      case 'resolve': {
        const draft = button.closest('.incident')?.classList.contains('incident-draft');
        return confirmAction(
          draft ? `Withdraw ${name}?` : `Resolve ${name}?`,
          draft ? 'The draft never goes public.' : 'The status site and subscribers are told it is resolved.',
          () =>
            api('POST', url(id, 'resolve')).then(
              outcomeOf(`incident ${id} ${draft ? 'withdrawn' : 'resolved'}`),
            ),
        );
      }
      case 'update':
        return openForm('incident-update-dialog', button);
      case 'title':
        return openForm('incident-title-dialog', button, { title: button.dataset.title });
      case 'postmortem':
        return openForm('incident-postmortem-dialog', button, { postmortem: button.dataset.postmortem });
    }
  }

  const submitters = {
    async update(data) {
      const message = String(data.get('message') ?? '').trim();
      if (!message) return { error: 'Write the message customers will read.' };
      const id = String(data.get('id'));
      const error = await api('POST', url(id, 'updates'), { phase: String(data.get('phase')), message });
      return error ? { error } : { done: `update posted to incident ${id}` };
    },
    async title(data) {
      const title = String(data.get('title') ?? '').trim();
      if (!title) return { error: 'The title cannot be empty.' };
      const id = String(data.get('id'));
      const error = await api('PATCH', url(id), { title });
      return error ? { error } : { done: `incident ${id} renamed` };
    },
    async postmortem(data) {
      const postmortem = String(data.get('postmortem') ?? '').trim();
      if (!postmortem) return { error: 'Give the address of the write-up.' };
      const id = String(data.get('id'));
      const error = await api('PATCH', url(id), { postmortem });
      return error ? { error } : { done: `postmortem linked to incident ${id}` };
    },
    async confirm() {
      const action = confirmed;
      confirmed = undefined;
      return action ? action() : { done: '' };
    },
  };

  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-incident-action]') : null;
    if (!button || button.disabled) return;
    event.preventDefault();
    onAction(button);
  });

  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.incidentForm) return;
    event.preventDefault();
    const submit = submitters[form.dataset.incidentForm];
    const button = form.querySelector('button[type="submit"]');
    if (!submit || !button) return;
    button.disabled = true;
    try {
      const outcome = await submit(new FormData(form));
      if (outcome.error) {
        setError(form, outcome.error);
        return;
      }
      form.closest('dialog')?.close();
      if (outcome.done) toast(outcome.done);
      refresh();
    } finally {
      button.disabled = false;
    }
  });
})();
