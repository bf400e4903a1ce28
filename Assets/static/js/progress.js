/* Upload progress in words: "1.2 MB of 6.3 MB · 480 KB/s · 11 s left". */
import {formatDuration, formatSize} from './format.js';

/** Tracks speed over the last few seconds: meter(loaded, total) -> {speed, left} in bytes/s and s. */
export function makeMeter() {
  const samples = [];
  return (loaded, total) => {
    const now = performance.now();
    samples.push([now, loaded]);
    while (samples.length > 2 && now - samples[0][0] > 4000) samples.shift();
    const [t0, l0] = samples[0];
    const elapsed = (now - t0) / 1000;
    const speed = elapsed > 0.25 ? (loaded - l0) / elapsed : 0;
    const left = speed > 0 ? (total - loaded) / speed : NaN;
    return {speed, left};
  };
}

/** The line under a progress bar; {speed, left} as makeMeter's meter returns them. */
export function progressText(loaded, total, {speed, left}) {
  if (total > 0 && loaded >= total) return 'Saving on the server…';
  const parts = [`${formatSize(loaded)} of ${formatSize(total)}`];
  if (speed > 0) {
    parts.push(`${formatSize(Math.round(speed))}/s`);
    const remaining = formatDuration(left);
    if (remaining) parts.push(`${remaining} left`);
  }
  return parts.join(' · ');
}

/** A <progress> value in percent, floored (100 for an empty body). */
export function percent(loaded, total) {
  return total > 0 ? Math.floor((loaded / total) * 100) : 100;
}
