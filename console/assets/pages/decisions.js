import { api } from '../api.js';
import { field, h, notice, replace, when } from '../dom.js';

const REASONS = ['bad_credentials', 'no_credentials', 'unknown_device', 'disabled', 'expired', 'not_yet_valid', 'revoked', 'clientid_mismatch', 'acl_denied', 'locked_out', 'invalid_request', 'not_authenticated', 'quota_exceeded'];
const KEEP_ROWS = 500;

export default function decisionsPage(view) {
  const device = h('input', { name: 'device', placeholder: 'any device', autocomplete: 'off' });
  const reason = h('select', { name: 'reason' }, h('option', { value: '' }, 'any'), REASONS.map((r) => h('option', { value: r }, r)));
  const denies = h('input', { name: 'denies', type: 'checkbox' });
  const live = h('p', { class: 'live', role: 'status' });
  const body = h('tbody', { id: 'decision-rows' });
  const status = h('div');
  const form = h('form', { class: 'toolbar', role: 'search' }, field('Device', device), field('Reason', reason), h('label', { class: 'check' }, denies, ' denies only'), h('button', { type: 'submit' }, 'Apply'));
  const table = h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Time', 'Decision', 'Reason', 'What', 'Device', 'Client', 'Broker', 'Address', 'Topic'].map((t) => h('th', { scope: 'col' }, t)))), body));
  let stop = new AbortController();

  function query(after, wait) {
    const q = new URLSearchParams({ limit: '200', wait: String(wait) });
    if (after !== null) q.set('after', String(after));
    if (device.value.trim()) q.set('device', device.value.trim());
    if (reason.value) q.set('reason', reason.value);
    if (denies.checked) q.set('allow', 'false');
    return `/decisions?${q}`;
  }

  async function follow(signal) {
    replace(body);
    let after = null;
    while (!signal.aborted) {
      try {
        const page = await api('GET', query(after, after === null ? 0 : 25), undefined, { signal });
        for (const d of page.items) body.prepend(row(d));
        while (body.children.length > KEEP_ROWS) body.lastChild.remove();
        after = page.items.at(-1)?.seq ?? page.last;
        replace(live, '● live');
        replace(status);
      } catch (err) {
        if (signal.aborted) return;
        replace(live, 'reconnecting…');
        replace(status, notice('error', err.message));
        await new Promise((resolve) => setTimeout(resolve, 3000));
      }
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    stop.abort();
    stop = new AbortController();
    follow(stop.signal);
  });
  replace(view, form, live, status, table);
  follow(stop.signal);
  return () => stop.abort();
}

function row(d) {
  return h(
    'tr',
    { class: d.allow ? 'allow' : 'deny', 'data-seq': d.seq },
    h('td', {}, when(d.at)),
    h('td', {}, h('span', { class: `pill ${d.allow ? 'ok' : 'bad'}` }, d.allow ? 'allow' : 'deny')),
    h('td', {}, d.reason ?? '–', d.message ? h('small', { class: 'block' }, d.message) : null),
    h('td', {}, d.action ? `${d.kind} ${d.action}` : d.kind),
    h('td', {}, d.deviceId ?? '–'),
    h('td', {}, d.clientId),
    h('td', {}, d.broker),
    h('td', {}, d.peerAddress ?? '–'),
    h('td', {}, d.topic ? h('code', {}, d.topic) : '–'),
  );
}
