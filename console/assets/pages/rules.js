import { api, enc } from '../api.js';
import { field, h, notice, replace, showFieldErrors } from '../dom.js';

export function subjectText(s) {
  return s.kind === 'device' ? `device:${s.id}` : s.kind === 'group' ? `group:${s.name}` : s.kind;
}

export default function rulesPage(view) {
  const status = h('div', { class: 'status' });
  const list = h('div', { class: 'table-wrap' });
  const editor = h('div');

  async function load() {
    try {
      const rules = await api('GET', '/rules');
      replace(list, rules.length === 0 ? h('p', { class: 'empty' }, 'No rules: ARRA_ACL_NO_MATCH decides everything.') : table(rules));
    } catch (err) {
      replace(status, notice('error', err.message));
    }
  }

  function table(rules) {
    const rows = rules.map((r, i) =>
      h(
        'tr',
        { 'data-rule': r.id },
        h('td', {}, String(i + 1)),
        h('td', {}, String(r.priority)),
        h('td', {}, String(r.id)),
        h('td', {}, subjectText(r.subject)),
        h('td', {}, r.action),
        h('td', {}, h('code', {}, r.topic), r.eq ? ' (literal)' : ''),
        h('td', {}, r.qos ? r.qos.join(',') : '*'),
        h('td', {}, r.retain === null ? '*' : String(r.retain)),
        h('td', {}, h('span', { class: `pill ${r.permission === 'allow' ? 'ok' : 'bad'}` }, r.permission)),
        h('td', { class: 'actions' }, h('button', { type: 'button', onclick: () => edit(r) }, 'Edit'), h('button', { type: 'button', class: 'danger', onclick: () => remove(r.id) }, 'Remove')),
      ),
    );
    const head = ['#', 'Priority', 'Id', 'Subject', 'Action', 'Topic', 'QoS', 'Retain', 'Permission', 'Actions'].map((t) => h('th', { scope: 'col' }, t));
    return h('table', {}, h('caption', {}, 'In evaluation order: lower priority first, then by id; the first rule that applies decides.'), h('thead', {}, h('tr', {}, head)), h('tbody', {}, rows));
  }

  async function remove(id) {
    if (!confirm(`Remove rule ${id}?`)) return;
    try {
      await api('DELETE', `/rules/${enc(id)}`);
      replace(status, notice('ok', `Rule ${id} removed.`));
      await load();
    } catch (err) {
      replace(status, notice('error', err.message));
    }
  }

  const saved = async (rule) => {
    if (rule) replace(status, notice('ok', `Rule ${rule.id} saved.`));
    replace(editor, ruleForm(null, saved));
    await load();
  };
  function edit(rule) {
    replace(editor, ruleForm(rule, saved));
    editor.querySelector('select,input')?.focus();
  }
  replace(view, editor, status, list);
  replace(editor, ruleForm(null, saved));
  load();
}

function ruleForm(rule, onSaved) {
  const kind = h('select', { name: 'subject' }, ['all', 'device', 'group', 'anonymous'].map((k) => h('option', { value: k }, k)));
  const who = h('input', { name: 'subjectName', placeholder: 'device id or group name', autocomplete: 'off' });
  const action = h('select', { name: 'action' }, ['publish', 'subscribe', 'all'].map((a) => h('option', { value: a }, a)));
  const topic = h('input', { name: 'topic', required: true, placeholder: 'devices/${device}/#', autocomplete: 'off', spellcheck: 'false' });
  const eq = h('input', { name: 'eq', type: 'checkbox' });
  const qos = h('input', { name: 'qos', placeholder: 'any, or e.g. 0,1' });
  const retain = h('select', { name: 'retain' }, h('option', { value: '' }, 'either'), h('option', { value: 'true' }, 'retained only'), h('option', { value: 'false' }, 'not retained'));
  const permission = h('select', { name: 'permission' }, h('option', { value: 'allow' }, 'allow'), h('option', { value: 'deny' }, 'deny'));
  const priority = h('input', { name: 'priority', type: 'number', value: '0', step: '1' });
  const result = h('div');
  if (rule) {
    kind.value = rule.subject.kind;
    who.value = rule.subject.id ?? rule.subject.name ?? '';
    action.value = rule.action;
    topic.value = rule.topic;
    eq.checked = rule.eq;
    qos.value = rule.qos ? rule.qos.join(',') : '';
    retain.value = rule.retain === null ? '' : String(rule.retain);
    permission.value = rule.permission;
    priority.value = String(rule.priority);
  }
  const form = h(
    'form',
    { class: 'card', id: 'rule-form' },
    h('h2', {}, rule ? `Edit rule ${rule.id}` : 'New rule'),
    h('div', { class: 'row' }, field('Subject', kind), field('Device or group', who), field('Action', action), field('Permission', permission)),
    h('div', { class: 'row' }, field('Topic', topic, '${device}, ${clientid}, ${username} as whole levels'), field('QoS', qos), field('Retain', retain), field('Priority', priority)),
    h('label', { class: 'check' }, eq, ' match the topic literally (eq)'),
    h('div', {}, h('button', { type: 'submit' }, rule ? 'Save' : 'Add rule'), rule ? h('button', { type: 'button', class: 'quiet', onclick: () => onSaved(null) }, 'Cancel') : null),
    result,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const subject = kind.value === 'device' ? { kind: 'device', id: who.value.trim() } : kind.value === 'group' ? { kind: 'group', name: who.value.trim() } : { kind: kind.value };
    const body = {
      subject,
      action: action.value,
      topic: topic.value,
      eq: eq.checked,
      qos: qos.value.trim() ? qos.value.split(',').map((q) => (/^\s*\d+\s*$/.test(q) ? Number(q) : q.trim())) : null,
      retain: retain.value === '' ? null : retain.value === 'true',
      permission: permission.value,
      priority: Number(priority.value || 0),
    };
    try {
      const saved = rule ? await api('PATCH', `/rules/${enc(rule.id)}`, body) : await api('POST', '/rules', body);
      await onSaved(saved);
    } catch (err) {
      const rest = showFieldErrors(form, { fields: err.fields.map((f) => ({ ...f, path: f.path.replace(/^body\.subject\.(id|name)$/, 'body.subjectName') })) });
      replace(result, notice('error', err.fields.length ? rest.join('; ') || 'Check the fields marked above.' : err.message));
    }
  });
  return form;
}
