import { h, replace } from './dom.js';

/**
 * Keyset paging for a list the API pages by `cursor` / `nextCursor`: remembers the cursor that opens
 * each page seen so far (the first has none), so Previous goes back exactly.
 */
export function keysetPager(label, load) {
  const prev = h('button', { type: 'button', onclick: () => turn(-1) }, '← Previous');
  const next = h('button', { type: 'button', onclick: () => turn(1) }, 'Next →');
  const where = h('span', { 'aria-live': 'polite' });
  const element = h('nav', { class: 'toolbar pager', 'aria-label': label }, prev, where, next);
  let cursors = [undefined];
  let nextCursor = null;

  function turn(step) {
    if (step > 0 && nextCursor) cursors.push(nextCursor);
    if (step < 0 && cursors.length > 1) cursors.pop();
    load();
  }

  return {
    element,
    /** Adds this page's cursor to a query. */
    query(params) {
      const cursor = cursors.at(-1);
      if (cursor) params.set('cursor', cursor);
      return params;
    },
    restart() {
      cursors = [undefined];
      load();
    },
    /** After a load: false when the page emptied under us (it turns back a page instead). */
    show(page) {
      if (page.items.length === 0 && cursors.length > 1) {
        turn(-1);
        return false;
      }
      nextCursor = page.nextCursor;
      prev.disabled = cursors.length === 1;
      next.disabled = !nextCursor;
      replace(where, `Page ${cursors.length}`);
      return true;
    },
  };
}
