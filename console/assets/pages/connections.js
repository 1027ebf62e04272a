import { api, enc } from '../api.js';
import { field, h, notice, replace, when } from '../dom.js';
import { keysetPager } from '../pager.js';

const REFRESH_MS = 3000;
const PAGE_SIZE = 50;

export default function connectionsPage(view) {
  const status = h('div');
  const list = h('div', { class: 'table-wrap', 'aria-live': 'polite' });
  const device = h('input', { name: 'device', placeholder: 'device id', autocomplete: 'off', spellcheck: 'false' });
  const filters = h('form', { class: 'toolbar', role: 'search' }, field('Device', device), h('button', { type: 'submit' }, 'Filter'));
  const pager = keysetPager('Connection pages', () => load());
  filters.addEventListener('submit', (event) => (event.preventDefault(), pager.restart()));
  let timer;
  let unreachable = false;

  async function load() {
    clearTimeout(timer);
    try {
      const query = pager.query(new URLSearchParams({ limit: String(PAGE_SIZE) }));
      if (device.value.trim()) query.set('device', device.value.trim());
      const page = await api('GET', `/connections?${query}`);
      if (!pager.show(page)) return;
      replace(list, page.items.length === 0 ? h('p', { class: 'empty' }, 'No clients connected.') : table(page.items));
      if (unreachable) replace(status);
      unreachable = false;
    } catch (err) {
      // An unreachable broker may come back: keep asking, and show nothing stale meanwhile.
      unreachable = err.status === 503;
      replace(list);
      replace(status, notice('error', err.message));
    }
    timer = setTimeout(load, REFRESH_MS);
  }

  function table(items) {
    const rows = items.map((c) =>
      h(
        'tr',
        { 'data-client': c.clientId },
        h('td', {}, c.clientId),
        h('td', {}, c.deviceId ?? 'anonymous'),
        h('td', {}, c.protocol),
        h('td', {}, c.transport),
        h('td', {}, c.peerAddress),
        h('td', {}, when(c.connectedAt)),
        h('td', {}, String(c.subscriptions)),
        h('td', {}, h('button', { type: 'button', class: 'danger', onclick: () => disconnect(c.clientId) }, 'Disconnect')),
      ),
    );
    return h('table', {}, h('thead', {}, h('tr', {}, ['Client', 'Device', 'Protocol', 'Transport', 'Address', 'Connected', 'Subscriptions', ''].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows));
  }

  async function disconnect(clientId) {
    try {
      await api('POST', `/connections/${enc(clientId)}/disconnect`);
      replace(status, notice('ok', `${clientId} disconnected.`));
    } catch (err) {
      replace(status, notice('error', err.message));
    }
    await load();
  }

  replace(view, h('p', {}, 'Clients of the bundled broker, refreshed every few seconds.'), filters, status, list, pager.element);
  load();
  return () => clearTimeout(timer);
}
