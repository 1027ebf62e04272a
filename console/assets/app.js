import { api, session, whenUnauthorized } from './api.js';
import { field, h, notice, replace } from './dom.js';
import connections from './pages/connections.js';
import decisions from './pages/decisions.js';
import devices from './pages/devices.js';
import explain from './pages/explain.js';
import keys from './pages/keys.js';
import rules from './pages/rules.js';

const PAGES = { devices, rules, explain, decisions, connections, keys };
const TITLES = { devices: 'Devices', rules: 'Rules', explain: 'Explain', decisions: 'Decisions', connections: 'Connections', keys: 'Keys' };
const top = document.getElementById('top');
const main = document.getElementById('main');
let leave = () => {};

function pageName() {
  const name = location.pathname.replace(/^\/console\/?/, '').split('/')[0];
  return name in PAGES ? name : 'devices';
}

/** Opens a console page: same-origin paths under /console only. */
export function go(path) {
  history.pushState(null, '', path);
  render();
}

function nav(current) {
  const links = Object.keys(PAGES).map((name) =>
    h('li', {}, h('a', { href: `/console/${name}`, 'aria-current': name === current ? 'page' : null, 'data-page': name }, TITLES[name])),
  );
  const signOut = h('button', { type: 'button', class: 'quiet', onclick: () => (session.signOut(), render()) }, 'Sign out');
  return [h('span', { class: 'brand' }, 'ARRA-MQ'), h('nav', { 'aria-label': 'Console' }, h('ul', {}, links)), signOut];
}

function signIn(message) {
  replace(top, h('span', { class: 'brand' }, 'ARRA-MQ'));
  const input = h('input', { name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const status = h('div');
  const form = h(
    'form',
    { class: 'card narrow', id: 'sign-in' },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'The admin token is in ', h('code', {}, '$ARRA_DATA_DIR/admin-token'), '. It stays in this tab only.'),
    field('Admin token', input),
    h('button', { type: 'submit' }, 'Sign in'),
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    try {
      await api('GET', '/keys', undefined, { token });
      session.signIn(token);
      render();
    } catch (err) {
      replace(status, notice('error', err.status === 401 ? 'That token was refused.' : `Could not sign in: ${err.message}`));
      input.select();
    }
  });
  replace(main, message ? notice('error', message) : null, form);
  document.title = 'Sign in · ARRA-MQ console';
  input.focus();
}

function render() {
  leave();
  leave = () => {};
  if (!session.token()) return signIn();
  const name = pageName();
  replace(top, nav(name));
  const view = h('section', { 'aria-labelledby': 'page-title' });
  replace(main, h('h1', { id: 'page-title' }, TITLES[name]), view);
  document.title = `${TITLES[name]} · ARRA-MQ console`;
  leave = PAGES[name](view) ?? (() => {});
  main.focus({ preventScroll: true });
}

document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[data-page]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  go(link.getAttribute('href'));
});
window.addEventListener('popstate', render);
whenUnauthorized(() => {
  session.signOut();
  leave();
  leave = () => {};
  signIn('The admin token was refused; sign in again.');
});
render();
