import { api, enc } from '../api.js';
import { h, notice, replace, when } from '../dom.js';

const REFRESH_MS = 3000;

export default function connectionsPage(view) {
  const status = h('div');
  const list = h('div', { class: 'table-wrap', 'aria-live': 'polite' });
  let timer;
  let unreachable = false;

  async function load() {
    clearTimeout(timer);
    try {
      const { items } = await api('GET', '/connections');
      replace(list, items.length === 0 ? h('p', { class: 'empty' }, 'No clients connected.') : table(items));
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

  replace(view, h('p', {}, 'Clients of the bundled broker, refreshed every few seconds.'), status, list);
  load();
  return () => clearTimeout(timer);
}
