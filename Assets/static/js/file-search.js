/* The search box above the file list. It is a plain GET form with the field q, so it works
 * without the script: the server renders the results (and "Older files" keeps the search).
 * With the script, results follow the typing (after a short pause), the address follows the
 * search (so reload and Back keep it), and submitting needs no page load. */
import {$} from './dom.js';
import {announce} from './announce.js';
import {plural} from './format.js';

/** Typing pauses this long before the list is searched. */
const DEBOUNCE_MS = 250;

/** list: as createFileList returns it. */
export function setupSearch(list) {
  const form = $('#search-form');
  const input = $('#search-input');
  const clear = form && $('.clear-search', form);
  if (!form || !input) return;
  let timer = 0;

  async function run() {
    window.clearTimeout(timer);
    const text = input.value.trim();
    if (text === list.query()) return;
    await list.search(text);
    const url = new URL(window.location.href);
    url.search = text ? `?${new URLSearchParams({q: text})}` : '';
    window.history.replaceState(null, '', url);
    form.classList.toggle('is-searching', text !== '');
    if (text !== list.query()) return; // another search started meanwhile
    const count = list.rows().length;
    const more = document.querySelector('#pager .older-link') ? ' or more' : '';
    announce(text ? `${plural(count, 'file', 'files')}${more} found.` : 'Showing all files.');
  }

  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && input.value) {
      event.preventDefault();
      input.value = '';
      run();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
  if (clear) {
    clear.addEventListener('click', (event) => {
      event.preventDefault();
      input.value = '';
      run();
      input.focus();
    });
  }
}
