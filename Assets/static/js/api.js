/* The server's JSON API as the page uses it:
 *   GET    /files?limit=N[&q=TEXT][&cursor=C]  -> {"files": [...], "next_cursor": "..." | null}
 *   POST   /upload (multipart: description, [expires_in,] inputFile) -> 201 + the JSON record
 *          (the tutorial's form; the drop zone uploads through tus at /uploads, see tus-client.js;
 *          a guest on a drop link's page posts the same form to /d/TOKEN/upload)
 *   PATCH  /files/ID (JSON: description and/or expires_at) -> 200 + the record
 *   DELETE /files/ID -> 204
 * Errors are JSON {"message": "..."}.
 *
 * Same origin only: relative URLs, credentials 'same-origin'. The session cookie (HttpOnly,
 * SameSite=Strict) authenticates every call; the script never sees or sends a token. The
 * browser adds Origin to POST and DELETE, which is what the server's CSRF rule checks. */
import {HttpError, errorText, parseMessage} from './errors.js';
import {holdPage} from './leave-guard.js';

const ACCEPT_JSON = {Accept: 'application/json'};

/** fetch() on this origin; a network failure becomes HttpError(0), any non-2xx HttpError(status). */
export async function call(path, init = {}) {
  let response;
  try {
    response = await fetch(path, {credentials: 'same-origin', ...init, headers: {...ACCEPT_JSON, ...init.headers}});
  } catch (_) {
    throw new HttpError(0, errorText(0, ''));
  }
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw new HttpError(response.status, errorText(response.status, text), parseMessage(text));
  }
  return response;
}

/** One page of the file list (a search's results when q has words), newest first:
 * {files, next} (next: the cursor, or null). */
export async function listFiles({limit, cursor = null, q = ''}) {
  const query = new URLSearchParams({limit: String(limit)});
  if (q) query.set('q', q);
  if (cursor) query.set('cursor', cursor);
  const response = await call(`/files?${query}`, {cache: 'no-store'});
  const data = await response.json();
  return {files: Array.isArray(data.files) ? data.files : [], next: data.next_cursor || null};
}

/** Changes a file's description and/or expiry ({description, expires_at}: an RFC 3339 time
 * or null for never); resolves to the record as it is now, else throws HttpError. */
export async function editFile(id, changes) {
  const response = await call(`/files/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(changes),
  });
  return response.json();
}

/** Deletes a stored file; resolves once it is gone, else throws HttpError. */
export async function deleteFile(id) {
  await call(`/files/${encodeURIComponent(id)}`, {method: 'DELETE'});
}

/**
 * Sends one file through the tutorial's endpoint, POST /upload (or `url`: a drop link's
 * /d/TOKEN/upload). XMLHttpRequest rather than fetch: only it reports upload progress.
 * onProgress(loaded, total) is called as the body goes out. Returns {abort, done}; done
 * resolves to {status, body, aborted} (status 0: no answer).
 */
export function sendUpload(file, description, onProgress, expiresIn = '', url = '/upload') {
  const xhr = new XMLHttpRequest();
  const release = holdPage();
  const done = new Promise((resolve) => {
    const finish = (result) => {
      release();
      resolve(result);
    };
    xhr.open('POST', url);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    });
    xhr.addEventListener('load', () => finish({status: xhr.status, body: xhr.responseText}));
    xhr.addEventListener('error', () => finish({status: 0, body: ''}));
    xhr.addEventListener('abort', () => finish({status: 0, body: '', aborted: true}));
    xhr.addEventListener('timeout', () => finish({status: 0, body: ''}));
    const data = new FormData();
    // The description goes first so the server knows it before the file's bytes arrive.
    data.append('description', description);
    // Seconds the file lives; empty: the server's default.
    if (expiresIn) data.append('expires_in', String(expiresIn));
    data.append('inputFile', file, file.name);
    xhr.send(data);
  });
  return {abort: () => xhr.abort(), done};
}

/** The file record in a successful upload's JSON answer, or null. */
export function parseRecord(text) {
  try {
    const data = JSON.parse(text);
    return data && typeof data === 'object' && 'filename' in data ? data : null;
  } catch (_) {
    return null;
  }
}
