/* Words and choices for links: the lifetimes offered (never past the server's
 * --max-link-ttl), and how a link's state reads in a list. */
import {formatDate, formatSize, plural} from './format.js';

const LIFETIMES = [
  [3600, '1 hour'],
  [86400, '1 day'],
  [7 * 86400, '7 days'],
  [30 * 86400, '30 days'],
];

/** Fills a <select> with the lifetimes up to maxSeconds (the longest allowed is always one),
 * 7 days chosen (or the longest allowed when that is shorter). */
export function fillLifetimes(select, maxSeconds) {
  const offered = LIFETIMES.filter(([seconds]) => seconds <= maxSeconds);
  if (!offered.some(([seconds]) => seconds === maxSeconds) && offered.length < LIFETIMES.length) {
    offered.push([maxSeconds, describeSeconds(maxSeconds)]);
  }
  select.replaceChildren(...offered.map(([seconds, label]) => new Option(label, String(seconds))));
  const preferred = offered.find(([seconds]) => seconds === 7 * 86400) || offered[offered.length - 1];
  select.value = String(preferred[0]);
}

function describeSeconds(seconds) {
  if (seconds % 86400 === 0) return plural(seconds / 86400, 'day', 'days');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour', 'hours');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute', 'minutes');
  return plural(seconds, 'second', 'seconds');
}

/** "open" | "expired" | "used up" for a share link; {state, text} with the expiry in words. */
export function shareLinkState(link, now = Date.now()) {
  const expires = Date.parse(link.expires_at);
  if (expires <= now) return {state: 'expired', text: `Expired ${formatDate(link.expires_at)}`};
  if (link.max_downloads !== null && link.downloads >= link.max_downloads) {
    return {state: 'used-up', text: 'Used up'};
  }
  return {state: 'open', text: `Expires ${formatDate(link.expires_at)}`};
}

export function downloadsText(link) {
  return link.max_downloads === null
    ? plural(link.downloads, 'download', 'downloads')
    : `${link.downloads} of ${plural(link.max_downloads, 'download', 'downloads')}`;
}

export function dropLinkState(link, now = Date.now()) {
  const expires = Date.parse(link.expires_at);
  if (expires <= now) return {state: 'expired', text: `Closed ${formatDate(link.expires_at)}`};
  const full = (link.max_files !== null && link.files >= link.max_files) ||
    (link.max_bytes !== null && link.bytes >= link.max_bytes);
  if (full) return {state: 'used-up', text: 'Full'};
  return {state: 'open', text: `Open until ${formatDate(link.expires_at)}`};
}

/** "3 files, 1.2 MB received" */
export function receivedText(link) {
  return `${plural(link.files, 'file', 'files')}, ${formatSize(link.bytes)} received`;
}

/** "at most 5 files, 10 MB" or "no limits" */
export function dropLimitsText(link) {
  const parts = [];
  if (link.max_files !== null) parts.push(plural(link.max_files, 'file', 'files'));
  if (link.max_bytes !== null) parts.push(formatSize(link.max_bytes));
  return parts.length ? `at most ${parts.join(', ')}` : 'no limits';
}
