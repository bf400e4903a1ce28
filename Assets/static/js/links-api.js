/* The server's link API as the page uses it (SPEC "Sharing"):
 *   GET    /files/ID/links  -> {"links": [...]}      POST /files/ID/links  -> 201 the link
 *   DELETE /links/LINKID    -> 204
 *   GET    /drops           -> {"drops": [...]}      POST /drops           -> 201 the drop link
 *   DELETE /drops/DROPID    -> 204
 * A link's `url` is a path (/s/TOKEN, /d/TOKEN); absoluteUrl makes it one to hand out.
 * Failures throw HttpError, as api.js's calls do. */
import {call} from './api.js';

const JSON_BODY = {'Content-Type': 'application/json'};

export async function listShareLinks(fileId) {
  const response = await call(`/files/${encodeURIComponent(fileId)}/links`, {cache: 'no-store'});
  const data = await response.json();
  return Array.isArray(data.links) ? data.links : [];
}

/** fields: {expires_in, max_downloads?, passphrase?} */
export async function createShareLink(fileId, fields) {
  const response = await call(`/files/${encodeURIComponent(fileId)}/links`, {
    method: 'POST', headers: JSON_BODY, body: JSON.stringify(fields),
  });
  return response.json();
}

export async function revokeShareLink(id) {
  await call(`/links/${encodeURIComponent(id)}`, {method: 'DELETE'});
}

export async function listDropLinks() {
  const response = await call('/drops', {cache: 'no-store'});
  const data = await response.json();
  return Array.isArray(data.drops) ? data.drops : [];
}

/** fields: {label, expires_in, max_files?, max_bytes?} */
export async function createDropLink(fields) {
  const response = await call('/drops', {method: 'POST', headers: JSON_BODY, body: JSON.stringify(fields)});
  return response.json();
}

export async function revokeDropLink(id) {
  await call(`/drops/${encodeURIComponent(id)}`, {method: 'DELETE'});
}

/** The link's path made absolute with this page's origin. */
export function absoluteUrl(path) {
  return new URL(path, window.location.origin).href;
}
