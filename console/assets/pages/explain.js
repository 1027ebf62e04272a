import { api } from '../api.js';
import { field, h, notice, replace, showFieldErrors } from '../dom.js';
import { subjectText } from './rules.js';

const OUTCOME = { decided: 'decided', not_applicable: 'did not apply', overlaps: 'overlaps (checked per delivery)', not_reached: 'not reached', dropped: 'dropped: unsafe placeholder value' };

export default function explainPage(view) {
  const device = h('input', { name: 'deviceId', placeholder: 'device id', autocomplete: 'off', spellcheck: 'false' });
  const anonymous = h('input', { name: 'anonymous', type: 'checkbox' });
  const action = h('select', { name: 'action' }, h('option', { value: 'publish' }, 'publish'), h('option', { value: 'subscribe' }, 'subscribe'));
  const topic = h('input', { name: 'topic', required: true, placeholder: 'devices/sensor-1/temp', autocomplete: 'off', spellcheck: 'false' });
  const qos = h('select', { name: 'qos' }, h('option', { value: '' }, 'any'), [0, 1, 2].map((q) => h('option', { value: String(q) }, String(q))));
  const retain = h('select', { name: 'retain' }, h('option', { value: '' }, 'unknown'), h('option', { value: 'true' }, 'retained'), h('option', { value: 'false' }, 'not retained'));
  const broker = h('select', { name: 'broker' }, h('option', { value: 'webhook' }, 'NanoMQ, EMQX, go-auth'), h('option', { value: 'bundled' }, 'bundled broker'));
  const out = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card', id: 'explain-form' },
    h('div', { class: 'row' }, field('Device', device), field('Action', action), field('Topic or filter', topic)),
    h('div', { class: 'row' }, field('QoS', qos), field('Retain', retain), field('Enforced by', broker)),
    h('label', { class: 'check' }, anonymous, ' an anonymous client'),
    h('button', { type: 'submit' }, 'Explain'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { deviceId: anonymous.checked ? null : device.value.trim(), action: action.value, topic: topic.value, broker: broker.value };
    if (qos.value !== '') body.qos = Number(qos.value);
    if (retain.value !== '') body.retain = retain.value === 'true';
    try {
      const e = await api('POST', '/explain', body);
      showFieldErrors(form, { fields: [] });
      replace(out, explanation(e));
    } catch (err) {
      const rest = showFieldErrors(form, err);
      replace(out, notice('error', err.fields.length ? rest.join('; ') || 'Check the fields marked above.' : err.message));
    }
  });
  replace(view, form, out);
  device.focus();
}

function explanation(e) {
  const p = e.placeholders;
  const rows = e.rules.map((r) =>
    h(
      'tr',
      { class: `outcome-${r.outcome}`, 'data-rule': r.id, 'aria-current': r.outcome === 'decided' ? 'true' : null },
      h('td', {}, r.outcome === 'decided' ? h('strong', {}, '▶ ', String(r.id)) : String(r.id)),
      h('td', {}, String(r.priority)),
      h('td', {}, subjectText(r.subject)),
      h('td', {}, r.action),
      h('td', {}, h('code', {}, r.pattern)),
      h('td', {}, r.substituted.length ? r.substituted.map((t) => h('code', {}, t)) : '–'),
      h('td', {}, h('span', { class: `pill ${r.permission === 'allow' ? 'ok' : 'bad'}` }, r.permission)),
      h('td', {}, OUTCOME[r.outcome]),
    ),
  );
  return h(
    'div',
    { class: 'card', id: 'explanation' },
    h('p', { class: `verdict ${e.allow ? 'ok' : 'bad'}`, id: 'verdict' }, e.allow ? 'ALLOW' : 'DENY', e.reason ? ` (${e.reason})` : '', ': ', e.message),
    e.topic !== null ? h('p', {}, 'Topic as judged: ', h('code', {}, e.topic)) : null,
    h('p', {}, 'Placeholders: ', h('code', {}, `\${device}=${p.device ?? '–'}`), ' ', h('code', {}, `\${clientid}=${p.clientid ?? '–'}`), ' ', h('code', {}, `\${username}=${p.username ?? '–'}`)),
    rows.length
      ? h('div', { class: 'table-wrap' }, h('table', {}, h('caption', {}, 'Rules for this identity, in evaluation order'), h('thead', {}, h('tr', {}, ['Rule', 'Priority', 'Subject', 'Action', 'Pattern', 'As substituted', 'Permission', 'Outcome'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows)))
      : null,
    e.partialAllows.length ? h('ul', {}, e.partialAllows.map((p) => h('li', {}, `Rule ${p.ruleId} allows only `, h('code', {}, p.topic), ' of this filter'))) : null,
    e.uncovered?.parts.length ? uncoveredList(e.uncovered) : null,
  );
}

function uncoveredList({ parts, truncated }) {
  const items = parts.map((u) =>
    h('li', {}, h('code', {}, u.filter), u.except.length ? [' except ', u.except.map((f, i) => [i ? ', ' : '', h('code', {}, f)])] : '', ` (${u.deniedBy === null ? 'no rule matched' : `denied by rule ${u.deniedBy}`}), e.g. `, h('code', {}, u.example)),
  );
  return h('div', { class: 'uncovered', id: 'uncovered' }, h('p', {}, 'Not covered: topics of this filter the device will not receive'), h('ul', {}, items, truncated ? h('li', {}, 'and more, not listed') : null));
}
