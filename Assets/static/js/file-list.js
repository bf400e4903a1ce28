/* The list of stored files. The server renders the first page (and, without JavaScript, every
 * further page behind the "Older files" link); the script reloads the first page after uploads,
 * appends older pages in place and keeps the empty state right. With a search (q) every page it
 * loads is that search's. */
import {$, $$} from './dom.js';
import {announce, sessionExpired, showNotice} from './announce.js';
import {listFiles} from './api.js';
import {renderFileRow, renderPager} from './file-rows.js';
import {plural} from './format.js';

/** The file list of this page; pageSize is the server's (data-page-size), q the search the
 * server rendered. Returns {tbody, rows, refresh, syncEmptyState, search, query}, or null when
 * the page has no list. */
export function createFileList({pageSize, q = ''}) {
  const card = $('.files-card');
  const tbody = $('#file-rows');
  const pagerArea = $('#pager');
  const emptyState = $('#empty-state');
  if (!card || !tbody) return null;
  let generation = 0;
  let query = q;

  const rows = () => $$('tr.file-row', tbody);

  /** Keeps the empty state right (CSS :has does it too; this covers older browsers). */
  function syncEmptyState() {
    const count = rows().length;
    if (count === 0 && tbody.childNodes.length) tbody.textContent = '';
    card.classList.toggle('has-rows', count > 0);
    card.classList.toggle('is-empty', count === 0);
  }

  function setPager(cursor) {
    if (!pagerArea) return;
    if (cursor) pagerArea.replaceChildren(renderPager(cursor, query));
    else pagerArea.replaceChildren();
  }

  /** Reloads the first page of the list; highlights the rows of the given ids for a while. */
  async function refresh(highlight = []) {
    const current = ++generation;
    try {
      const {files, next} = await listFiles({limit: pageSize, q: query});
      if (current !== generation) return;
      const fragment = document.createDocumentFragment();
      for (const file of files) {
        const row = renderFileRow(file);
        if (highlight.includes(String(file.id))) row.classList.add('is-new');
        fragment.append(row);
      }
      tbody.replaceChildren(fragment);
      setPager(next);
      if (emptyState) {
        emptyState.textContent = query ? 'No files match your search.'
          : emptyState.dataset.defaultText || emptyState.textContent;
      }
      syncEmptyState();
      if (highlight.length) {
        window.setTimeout(() => {
          for (const row of $$('tr.is-new', tbody)) row.classList.remove('is-new');
        }, 6000);
      }
    } catch (error) {
      if (current !== generation) return;
      if (error.status === 401) sessionExpired();
      else showNotice('error', `Could not refresh the file list. ${error.message}`);
    }
  }

  /** "Older files": appends the next page in place instead of following the link. */
  async function loadOlder(link) {
    if (link.getAttribute('aria-disabled') === 'true') return;
    const cursor = link.dataset.cursor ||
      new URL(link.href, window.location.href).searchParams.get('cursor');
    link.setAttribute('aria-disabled', 'true');
    link.textContent = 'Loading…';
    const current = generation;
    try {
      const {files, next} = await listFiles({limit: pageSize, cursor, q: query});
      if (current !== generation) return;
      const present = new Set(rows().map((row) => row.dataset.id));
      const added = [];
      for (const file of files) {
        if (present.has(String(file.id))) continue;
        const row = renderFileRow(file);
        tbody.append(row);
        added.push(row);
      }
      setPager(next);
      syncEmptyState();
      announce(added.length ? `${plural(added.length, 'older file', 'older files')} loaded.`
        : 'No older files.');
      const first = added[0] && $('a.file-link', added[0]);
      if (first) first.focus();
    } catch (error) {
      link.removeAttribute('aria-disabled');
      link.textContent = 'Older files';
      if (error.status === 401) sessionExpired();
      else showNotice('error', `Could not load older files. ${error.message}`);
    }
  }

  if (pagerArea) {
    pagerArea.addEventListener('click', (event) => {
      const link = event.target.closest('a.older-link');
      if (!link) return;
      event.preventDefault();
      loadOlder(link);
    });
  }
  /** Shows the first page of another search ('' for every file). */
  function search(text) {
    query = text;
    return refresh();
  }

  syncEmptyState();
  return {tbody, rows, refresh, syncEmptyState, search, query: () => query};
}
