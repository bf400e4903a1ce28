/* Words for failed requests: our own headline for the status, then the server's message
 * (every JSON error body is {"message": "..."}). */

/** A failed API call: the HTTP status (0 for a network failure), the text to show, and the
 * server's own message ('' when it gave none). */
export class HttpError extends Error {
  constructor(status, message, serverMessage = '') {
    super(message);
    this.status = status;
    this.serverMessage = serverMessage;
  }
}

/** The message of a JSON error body ({"message": "..."}), or ''. */
export function parseMessage(text) {
  if (!text) return '';
  try {
    const data = JSON.parse(text);
    if (data && typeof data.message === 'string') return data.message.trim();
  } catch (_) {
    // Not JSON: fall through.
  }
  return '';
}

const STATUS_TEXT = {
  400: 'The server could not accept this upload.',
  401: 'Your session has expired. Sign in again.',
  403: 'The server refused this request.',
  404: 'Not found.',
  409: 'Description already used.',
  410: 'This link is no longer open.',
  413: 'File too large.',
  415: 'The server did not understand the upload.',
  429: 'Too many requests. Wait a moment and try again.',
};

const STATUS_HINT = {
  413: 'This file is larger than the server accepts.',
};

// Our own words for answers whose meaning the status already says in full.
const STATUS_OWN = {
  409: 'Description already used by another file. Change it, then upload again.',
};

/** A message for a failed request: our own headline, then the server's words. */
export function errorText(status, bodyText) {
  if (status === 0) return 'Network error: the server could not be reached.';
  if (STATUS_OWN[status]) return STATUS_OWN[status];
  const serverMessage = parseMessage(bodyText);
  const headline = STATUS_TEXT[status] || (status >= 500
    ? `Server error (${status}). Try again later.`
    : `Request failed (${status}).`);
  const extra = serverMessage || STATUS_HINT[status] || '';
  if (!extra) return headline;
  if (headline.toLowerCase().includes(extra.toLowerCase().replace(/\.$/, ''))) return headline;
  return `${headline} ${extra.charAt(0).toUpperCase()}${extra.slice(1)}${/[.!?]$/.test(extra) ? '' : '.'}`;
}
