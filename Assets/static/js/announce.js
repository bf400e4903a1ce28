/* Telling the user: the polite live region for screen readers, and notices at the top of the
 * page. */
import {$, el} from './dom.js';

let announceTimer = 0;

/** Says something through the polite live region (also for repeated messages). */
export function announce(message) {
  const region = $('#status');
  if (!region) return;
  window.clearTimeout(announceTimer);
  region.textContent = '';
  announceTimer = window.setTimeout(() => { region.textContent = message; }, 60);
}

/** Shows a notice (kind: success | error) at the top of the page, with an optional link. */
export function showNotice(kind, message, link) {
  const area = $('#notice-area');
  if (!area) return;
  const body = el('div', {class: 'notice-body'}, [el('p', {text: message})]);
  if (link) {
    body.firstChild.append(' ', el('a', {href: link.href, text: link.text}));
  }
  const close = el('button', {
    type: 'button', class: 'btn-icon notice-close', 'aria-label': 'Dismiss message', text: '×',
  });
  const notice = el('div', {class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status'},
    [body, close]);
  close.addEventListener('click', () => notice.remove());
  area.replaceChildren(notice);
}

let sessionExpiredShown = false;

/** Once per page: the session is gone (a 401), with a link to sign in again. */
export function sessionExpired() {
  if (sessionExpiredShown) return;
  sessionExpiredShown = true;
  showNotice('error', 'Your session has expired.', {href: '/', text: 'Sign in again'});
}
