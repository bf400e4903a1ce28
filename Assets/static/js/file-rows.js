/* One row of the file list, and the "Older files" link, from the page's templates
 * (templates/file-row.html and pager.html, the same files the server renders its rows from). */
import {fillTemplate} from './templates.js';
import {formatDate, formatExpiry, formatSize} from './format.js';

/** A <tr> for a file record of the JSON API, filled as Pages.index fills it on the server. */
export function renderFileRow(file) {
  const fragment = fillTemplate('file-row-template', {
    id: String(file.id),
    description: String(file.description ?? ''),
    filename: String(file.filename ?? ''),
    content_type: String(file.content_type ?? ''),
    size: String(file.size ?? ''),
    size_human: formatSize(file.size),
    created_at: String(file.created_at ?? ''),
    created_display: formatDate(file.created_at),
    expires_at: String(file.expires_at ?? ''),
    expires_display: formatExpiry(file.expires_at),
    uploaded_by: String(file.uploaded_by ?? ''),
  });
  return fragment.querySelector('tr');
}

/** The pager (a <nav> with the "Older files" link) for the next page's cursor, within the
 * search q (the link works without the script too, as the server renders it). */
export function renderPager(cursor, q = '') {
  const query = new URLSearchParams();
  if (q) query.set('q', q);
  query.set('cursor', cursor);
  return fillTemplate('pager-template', {cursor, href: `/?${query}`});
}
