/* Formatting of sizes, dates and durations for text the page script writes itself. Rows the
 * server renders arrive already formatted; these rules mirror the server's for rows the script
 * adds, and the browser suite checks that both agree on a table of values. */

/** Mirrors Pages.humanSize: powers of 1000, "812 B", "1.5 KB", "12 MB" (tenths below 100). */
export function formatSize(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1000) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  let value = n;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const tenths = Math.round(value * 10);
  return tenths >= 100
    ? `${Math.floor(tenths / 10)} ${units[unit]}`
    : `${Math.floor(tenths / 10)}.${tenths % 10} ${units[unit]}`;
}

/** Mirrors RFC3339.display: "2026-11-29 04:30 UTC" from an RFC 3339 time. */
export function formatDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso || '');
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

/** Mirrors the server's expiry cell: "Never" for none, else as formatDate. */
export function formatExpiry(iso) {
  return iso ? formatDate(iso) : 'Never';
}

/** Mirrors IndexPage.duration: 86400 -> "1 day", 7200 -> "2 hours", 90 -> "90 seconds". */
export function formatLifetime(seconds) {
  const count = (n, unit) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds % 86400 === 0) return count(seconds / 86400, 'day');
  if (seconds % 3600 === 0) return count(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return count(seconds / 60, 'minute');
  return count(seconds, 'second');
}

/** "45 s", "3 min 05 s", "2 h 07 min". */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Length in Unicode scalars, as the server counts a description. */
export function scalarLength(text) {
  return Array.from(text).length;
}

/** The first `count` Unicode scalars of `text` (never half a surrogate pair). */
export function scalarPrefix(text, count) {
  return Array.from(text).slice(0, count).join('');
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}
