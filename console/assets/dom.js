// The one way the console puts data on a page: elements and text nodes, never HTML strings,
// so a device id or attribute holding markup is shown as the text it is.

/** h('button', { class: 'x', onclick }, 'text', child, [more]) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A labelled form field with a place for its error; `name` is the API's body field. */
export function field(label, input, hint) {
  const id = `f-${input.name}-${Math.random().toString(36).slice(2, 8)}`;
  input.id = id;
  const error = h('span', { class: 'field-error', id: `${id}-error`, role: 'alert' });
  input.setAttribute('aria-describedby', `${id}-error`);
  return h('div', { class: 'field', 'data-field': input.name }, h('label', { for: id }, label), input, hint ? h('small', {}, hint) : null, error);
}

/** Shows the API's `fields` ([{ path: 'body.topic', message }]) on the matching fields of `form`. */
export function showFieldErrors(form, error) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const unplaced = [];
  for (const { path, message } of error.fields ?? []) {
    const name = path.replace(/^body\.?/, '').split('.')[0];
    const box = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (box) {
      box.querySelector('.field-error').textContent = message;
      box.querySelector('input,select,textarea')?.setAttribute('aria-invalid', 'true');
    } else unplaced.push(`${path}: ${message}`);
  }
  return unplaced;
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '–';
}

/** A status line for results and failures (announced to screen readers). */
export function notice(kind, ...text) {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...text);
}

/** Offers `text` as a file download (object URL: no data in the page's address). */
export function download(name, text, label = `Download ${name}`) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
  return h('a', { href: url, download: name, class: 'button' }, label);
}
