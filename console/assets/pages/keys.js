import { api, enc } from '../api.js';
import { download, field, h, notice, replace, when } from '../dom.js';

export default function keysPage(view) {
  const status = h('div');
  const list = h('div', { class: 'table-wrap' });
  const ca = h('div');
  const alg = h('select', { name: 'alg' }, h('option', { value: 'EdDSA' }, 'EdDSA'), h('option', { value: 'ES256' }, 'ES256'));
  const rotate = h('form', { class: 'toolbar' }, field('Algorithm', alg), h('button', { type: 'submit' }, 'Rotate signing key'));
  rotate.addEventListener('submit', async (event) => {
    event.preventDefault();
    await act(() => api('POST', '/keys/rotate', { alg: alg.value }), (k) => `New active key ${k.kid}; the old one still verifies until retired.`);
  });

  async function act(call, message) {
    try {
      replace(status, notice('ok', message(await call())));
    } catch (err) {
      replace(status, notice('error', err.message));
    }
    await load();
  }

  async function load() {
    try {
      const keys = await api('GET', '/keys');
      const rows = keys.map((k) =>
        h(
          'tr',
          { 'data-kid': k.kid },
          h('td', {}, h('code', {}, k.kid)),
          h('td', {}, k.alg),
          h('td', {}, k.status),
          h('td', {}, when(k.createdAt)),
          h('td', {}, when(k.retiredAt)),
          h('td', {}, k.status === 'verifying' ? h('button', { type: 'button', class: 'danger', onclick: () => retire(k.kid) }, 'Retire') : ''),
        ),
      );
      replace(list, h('table', {}, h('thead', {}, h('tr', {}, ['Key id', 'Algorithm', 'Status', 'Created', 'Retired', ''].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows)));
    } catch (err) {
      replace(status, notice('error', err.message));
    }
  }

  function retire(kid) {
    if (!confirm(`Retire key ${kid}? Tokens it signed stop working.`)) return;
    act(() => api('POST', `/keys/${enc(kid)}/retire`), (k) => `Key ${k.kid} retired.`);
  }

  async function loadCa() {
    try {
      const res = await fetch('/v1/ca.pem', { credentials: 'omit' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      replace(ca, h('p', {}, 'Device CA (brokers trust client certificates it signed): ', download('arra-device-ca.pem', await res.text(), 'Download the device CA')));
    } catch (err) {
      replace(ca, notice('error', `The device CA could not be read: ${err.message}`));
    }
  }

  replace(view, rotate, status, list, ca);
  load();
  loadCa();
}
