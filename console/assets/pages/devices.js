import { api, enc } from '../api.js';
import { download, field, h, notice, replace, showFieldErrors, when } from '../dom.js';
import { keysetPager } from '../pager.js';

const PAGE_SIZE = 50;

export default function devicesPage(view) {
  const status = h('div', { class: 'status' });
  const list = h('div', { class: 'table-wrap' });
  const detail = h('div');
  const search = h('input', { name: 'search', type: 'search', placeholder: 'part of the id', autocomplete: 'off', spellcheck: 'false' });
  const group = h('input', { name: 'group', placeholder: 'group' });
  const state = h('select', { name: 'enabled' }, h('option', { value: '' }, 'any'), h('option', { value: 'true' }, 'enabled'), h('option', { value: 'false' }, 'disabled'));
  const filters = h('form', { class: 'toolbar', role: 'search' }, field('Search', search), field('Group', group), field('Status', state), h('button', { type: 'submit' }, 'Filter'));
  const pager = keysetPager('Device pages', () => load());
  filters.addEventListener('submit', (event) => (event.preventDefault(), pager.restart()));
  state.addEventListener('change', () => pager.restart());

  async function load() {
    const query = pager.query(new URLSearchParams({ limit: String(PAGE_SIZE) }));
    if (search.value.trim()) query.set('search', search.value.trim());
    if (group.value.trim()) query.set('group', group.value.trim());
    if (state.value) query.set('enabled', state.value);
    try {
      const page = await api('GET', `/devices?${query}`);
      if (!pager.show(page)) return;
      replace(list, table(page.items));
      replace(status);
    } catch (err) {
      replace(status, notice('error', err.message));
    }
  }

  function table(items) {
    if (items.length === 0) return h('p', { class: 'empty' }, 'No devices match.');
    const rows = items.map((d) =>
      h(
        'tr',
        { 'data-device': d.id },
        h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => show(d.id) }, d.id)),
        h('td', {}, d.groups.join(', ') || '–'),
        h('td', {}, d.enabled ? h('span', { class: 'pill ok' }, 'enabled') : h('span', { class: 'pill bad', title: d.disabledReason ?? '' }, 'disabled')),
        h('td', {}, attributesText(d.attributes)),
        h('td', { class: 'actions' }, toggle(d), h('button', { type: 'button', class: 'danger', onclick: () => remove(d.id) }, 'Remove')),
      ),
    );
    return h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Device'), h('th', {}, 'Groups'), h('th', {}, 'Status'), h('th', {}, 'Attributes'), h('th', {}, 'Actions'))), h('tbody', {}, rows));
  }

  function toggle(d) {
    if (!d.enabled) return h('button', { type: 'button', onclick: () => patch(d.id, { enabled: true, disabledReason: null }) }, 'Enable');
    return h('button', { type: 'button', onclick: () => askReason(d.id) }, 'Disable');
  }

  function askReason(id) {
    const reason = h('input', { name: 'disabledReason', maxlength: 512, placeholder: 'e.g. lost in the field' });
    const form = h('form', { class: 'card inline', 'aria-label': `Disable ${id}` }, h('h2', {}, `Disable ${id}`), field('Reason', reason), h('button', { type: 'submit' }, 'Disable'), h('button', { type: 'button', class: 'quiet', onclick: () => replace(detail) }, 'Cancel'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      await patch(id, { enabled: false, disabledReason: reason.value.trim() || null }, form);
    });
    replace(detail, form);
    reason.focus();
  }

  async function patch(id, body, form) {
    try {
      await api('PATCH', `/devices/${enc(id)}`, body);
      replace(status, notice('ok', `${id}: ${body.enabled ? 'enabled' : 'disabled'}.`));
      if (form) replace(detail);
      await load();
    } catch (err) {
      replace(status, notice('error', err.message));
    }
  }

  async function remove(id) {
    if (!confirm(`Remove device ${id} and all its credentials?`)) return;
    try {
      await api('DELETE', `/devices/${enc(id)}`);
      replace(status, notice('ok', `${id} removed.`));
      replace(detail);
      await load();
    } catch (err) {
      replace(status, notice('error', err.message));
    }
  }

  async function show(id) {
    try {
      const d = await api('GET', `/devices/${enc(id)}`);
      const tokens = await api('GET', `/devices/${enc(id)}/tokens`);
      const creds = d.credentials.map((c) =>
        h('tr', {}, h('td', {}, h('code', {}, c.id)), h('td', {}, c.kind), h('td', {}, c.fingerprint ? h('code', {}, c.fingerprint.slice(0, 16), '…') : '–'), h('td', {}, when(c.notAfter)), h('td', {}, c.revoked ? 'revoked' : h('button', { type: 'button', class: 'danger', onclick: () => revoke(`/devices/${enc(id)}/credentials/${enc(c.id)}/revoke`, id) }, 'Revoke'))),
      );
      const toks = tokens.map((t) =>
        h('tr', {}, h('td', {}, h('code', {}, t.jti)), h('td', {}, 'jwt'), h('td', {}, '–'), h('td', {}, when(t.expiresAt)), h('td', {}, t.revoked ? 'revoked' : h('button', { type: 'button', class: 'danger', onclick: () => revoke(`/tokens/${enc(t.jti)}/revoke`, id) }, 'Revoke'))),
      );
      replace(
        detail,
        h(
          'div',
          { class: 'card', id: 'device-detail' },
          h('h2', {}, `Credentials of ${d.id}`),
          h('p', {}, `Attributes: ${attributesText(d.attributes)}`),
          creds.length + toks.length === 0 ? h('p', { class: 'empty' }, 'No credentials.') : h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Id'), h('th', {}, 'Kind'), h('th', {}, 'Fingerprint'), h('th', {}, 'Not after'), h('th', {}, ''))), h('tbody', {}, creds, toks))),
        ),
      );
    } catch (err) {
      replace(status, notice('error', err.message));
    }
  }

  async function revoke(path, id) {
    try {
      await api('POST', path);
      replace(status, notice('ok', 'Revoked.'));
      await show(id);
    } catch (err) {
      replace(status, notice('error', err.message));
    }
  }

  replace(view, filters, createForm(load, status), status, list, pager.element, detail);
  load();
}

function attributesText(attributes) {
  const pairs = Object.entries(attributes ?? {});
  return pairs.length === 0 ? '–' : pairs.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
}

function createForm(reload, status) {
  const id = h('input', { name: 'id', required: true, autocomplete: 'off', spellcheck: 'false' });
  const groups = h('input', { name: 'groups', placeholder: 'sensors, floor-2' });
  const kind = h('select', { name: 'credential' }, ['password', 'token', 'certificate', 'none'].map((k) => h('option', { value: k }, k)));
  const secretBox = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', id: 'create-device' }, h('h2', {}, 'New device'), h('div', { class: 'row' }, field('Device id', id), field('Groups', groups, 'comma-separated'), field('Credential', kind)), h('button', { type: 'submit' }, 'Create'), secretBox);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(secretBox);
    const body = { id: id.value.trim(), groups: groups.value.split(',').map((g) => g.trim()).filter(Boolean) };
    try {
      await api('POST', '/devices', body);
    } catch (err) {
      const rest = showFieldErrors(form, err);
      replace(secretBox, notice('error', err.fields.length ? rest.join('; ') || 'Check the fields above.' : err.message));
      return;
    }
    showFieldErrors(form, { fields: [] });
    try {
      replace(secretBox, await issue(body.id, kind.value));
    } catch (err) {
      replace(secretBox, notice('error', `Created ${body.id}, but its credential failed: ${err.message}`));
    }
    replace(status, notice('ok', `${body.id} created.`));
    form.reset();
    reload();
  });
  return form;
}

/** The new credential, shown this once: the verifier keeps only its hash or fingerprint. */
async function issue(deviceId, kind) {
  const once = (label, value) => h('div', { class: 'secret', id: 'shown-once' }, h('strong', {}, `${label} (shown once, copy it now):`), h('code', { class: 'copy' }, value));
  if (kind === 'password') return once('Password', (await api('POST', `/devices/${enc(deviceId)}/credentials`, { kind: 'password' })).secret);
  if (kind === 'token') return once('Token', (await api('POST', `/devices/${enc(deviceId)}/tokens`, {})).token);
  if (kind === 'certificate') {
    const cert = await api('POST', `/devices/${enc(deviceId)}/certificates`, {});
    return h('div', { class: 'secret', id: 'shown-once' }, h('strong', {}, 'Certificate and private key (shown once):'), ' ', download(`${deviceId}.key.pem`, cert.keyPem), ' ', download(`${deviceId}.cert.pem`, cert.certPem), ' ', download('ca.pem', cert.caPem));
  }
  return notice('ok', 'No credential yet.');
}
