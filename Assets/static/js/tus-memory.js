/* Which resumable upload each file went into, kept in localStorage so that a page reloaded
 * after a cut (or a closed laptop lid) can offer to resume a file chosen again. A file is known
 * by a fingerprint of its name, size and modification time (what tus-js-client uses too), per
 * tus collection (/uploads, or a drop link's /d/TOKEN/uploads); the entry holds the upload's URL and its description (reserved on the server with the upload).
 * An entry is removed once its upload completes, is cancelled, or is no longer known. */

const PREFIX = 'filedrop-upload:';

/** The key of a file sent to a collection: the collection, and the file's name, size and last
 * modification time. */
export function fingerprint(file, endpoint) {
  return `${PREFIX}${endpoint}:${file.size}:${file.lastModified}:${file.name}`;
}

function storage() {
  try {
    return window.localStorage;
  } catch (_) {
    return null; // storage disabled: uploads still resume within the page
  }
}

/** {url, description} of the upload this file went into, or null. */
export function recall(file, endpoint) {
  const store = storage();
  if (!store) return null;
  try {
    const entry = JSON.parse(store.getItem(fingerprint(file, endpoint)) || 'null');
    return entry && typeof entry.url === 'string' && typeof entry.description === 'string' ? entry : null;
  } catch (_) {
    return null;
  }
}

export function remember(file, endpoint, url, description) {
  const store = storage();
  if (!store) return;
  try {
    store.setItem(fingerprint(file, endpoint), JSON.stringify({url, description, at: Date.now()}));
  } catch (_) {
    // Full or refused: the upload still resumes within this page.
  }
}

export function forget(file, endpoint) {
  const store = storage();
  if (store) store.removeItem(fingerprint(file, endpoint));
}
