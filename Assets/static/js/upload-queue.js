/* The drop zone's list of files to upload: files join it (dropped or chosen), each gets its own
 * description; one Upload button (or Enter) checks the descriptions and sends the files, a few
 * at a time, each with its own progress and its own error in place. Files go through tus
 * (tus-client.js), so each can be paused and resumed, a lost connection or a restarted server
 * is waited out, and a file chosen again after a reload goes on where it stopped. */
import {announce, sessionExpired} from './announce.js';
import {formatDuration, formatSize, plural, scalarLength} from './format.js';
import {holdPage} from './leave-guard.js';
import {PendingItem} from './pending-item.js';
import {makeMeter, percent, progressText} from './progress.js';
import {TusUpload, probe, terminate} from './tus-client.js';
import {forget, recall} from './tus-memory.js';

/** Files sent at the same time. */
const CONCURRENCY = 2;

/**
 * form: the pending-list form (with #pending-list, #upload-all, #clear-pending);
 * descriptionMax: the server's limit (data-description-max);
 * onUploaded(ids): after a batch that stored files; focusHome(): where the focus goes when the
 * list empties; endpoint: the tus collection the files go to (a drop link's page sends to its
 * own /d/TOKEN/uploads). Returns {add(files, viaPicker)}.
 */
export function createUploadQueue({form, descriptionMax, onUploaded, focusHome, endpoint = '/uploads'}) {
  const list = form.querySelector('#pending-list');
  const uploadButton = form.querySelector('#upload-all');
  const clearButton = form.querySelector('#clear-pending');
  const expirySelect = form.querySelector('select[name="expires_in"]');
  const items = [];
  let batchRunning = false;

  function updateControls() {
    const sendable = items.filter((item) => item.sendable).length;
    form.hidden = items.length === 0;
    uploadButton.disabled = batchRunning || sendable === 0;
    uploadButton.textContent = batchRunning ? 'Uploading…'
      : sendable > 1 ? `Upload ${sendable} files` : 'Upload';
    const finished = items.length > 0 && items.every((item) => item.state === 'done');
    clearButton.textContent = finished ? 'Clear finished' : 'Clear list';
    clearButton.disabled = batchRunning;
  }

  function remove(item) {
    const index = items.indexOf(item);
    if (index >= 0) items.splice(index, 1);
    const next = items[index] || items[index - 1];
    item.li.remove();
    updateControls();
    if (next) next.focus();
    else focusHome();
  }

  function add(fileList, viaPicker = false) {
    const files = Array.from(fileList || []);
    if (!files.length) return;
    if (!batchRunning) {
      // A new batch starts: drop the finished ones from the last batch.
      for (const item of items.filter((it) => it.state === 'done')) {
        items.splice(items.indexOf(item), 1);
        item.li.remove();
      }
    }
    const added = files.map((file) => new PendingItem(file, {
      descriptionMax, onRemove: remove, onEdit: updateControls, onCancel: cancel, onPause: pause, onResume: resume,
      onStartOver: startOver,
    }));
    for (const item of added) {
      items.push(item);
      list.append(item.li);
      offerResume(item);
    }
    updateControls();
    announce(`${plural(added.length, 'file', 'files')} added. ` +
      'Check the descriptions, then press Upload.');
    if (!batchRunning) added[0].input.focus({preventScroll: !viaPicker});
  }

  clearButton.addEventListener('click', () => {
    for (const item of items.splice(0)) item.li.remove();
    updateControls();
    focusHome();
  });

  /** A file chosen again whose earlier upload stopped part way: offer to go on from there. */
  async function offerResume(item) {
    const earlier = recall(item.file, endpoint);
    if (!earlier) return;
    let state;
    try {
      state = await probe(earlier.url);
    } catch (_) {
      return; // the server is out of reach: keep the memory for a later choice
    }
    if (!state || state.complete || state.length !== item.file.size) {
      forget(item.file, endpoint); // gone, or finished
      return;
    }
    if (item.state !== 'pending' || item.tus) return;
    item.offerResume({url: earlier.url, description: earlier.description, offset: state.offset, length: state.length});
    updateControls();
  }

  /** Sends (or goes on sending) one file; 'done', 'paused', 'cancelled' or 'failed'. */
  async function uploadItem(item) {
    item.setError('');
    if (!item.tus) {
      const meter = makeMeter();
      item.tus = new TusUpload(item.file, {
        endpoint,
        description: item.description,
        expiresIn: expirySelect ? expirySelect.value : '',
        url: item.resumable ? item.resumable.url : null,
        onProgress: (loaded, total) => {
          item.loaded = loaded;
          if (item.state === 'uploading') item.stateText.textContent = 'Uploading…';
          item.setProgress(percent(loaded, total), progressText(loaded, total, meter(loaded, total)));
        },
        onWaiting: (delay) => {
          const wait = delay > 0 ? `; trying again in ${formatDuration(delay / 1000)}` : '';
          if (item.state === 'uploading') item.stateText.textContent = `Connection lost${wait}…`;
        },
      });
    }
    item.setState('uploading', 'Uploading…');
    const release = holdPage();
    try {
      const outcome = await item.tus.start();
      if (outcome.paused) {
        const loaded = item.loaded || 0;
        item.setProgress(percent(loaded, item.file.size), `${formatSize(loaded)} of ${formatSize(item.file.size)}`);
        item.setState('paused', 'Paused');
        return 'paused';
      }
      if (outcome.cancelled) {
        await item.cancelling;
        return 'cancelled';
      }
      item.record = outcome.fileId !== null ? {id: outcome.fileId} : null;
      item.setProgress(100, `· ${formatSize(item.file.size)} stored`);
      item.setState('done', 'Done');
      return 'done';
    } catch (error) {
      if (!item.tus.url) item.tus = null; // refused at creation: a new try is a new upload
      if (error.status === 401) sessionExpired();
      item.setProgress(0, '');
      item.setState('error', 'Not uploaded');
      item.setError(error.message);
      return 'failed';
    } finally {
      release();
    }
  }

  /** × while uploading or paused: stops the upload and removes it from the server. */
  async function cancel(item) {
    if (!item.tus || item.cancelling) return;
    item.stateText.textContent = 'Cancelling…';
    item.cancelling = item.tus.cancel();
    await item.cancelling;
    item.cancelling = null;
    item.tus = null;
    if (item.resumable) item.withdrawOffer();
    if (item.state !== 'done') {
      item.setProgress(0, '');
      item.setState('pending', 'Cancelled');
    }
    updateControls();
  }

  function pause(item) {
    if (item.tus) item.tus.pause();
  }

  async function resume(item) {
    const result = await uploadItem(item);
    if (result === 'done') {
      onUploaded(item.record ? [String(item.record.id)] : []);
      announce(`${item.file.name} uploaded.`);
    }
    updateControls();
  }

  /** Declines the offer to resume: the earlier upload is removed, and this one starts afresh. */
  async function startOver(item) {
    const earlier = item.resumable;
    if (!earlier) return;
    item.withdrawOffer();
    forget(item.file, endpoint);
    await terminate(earlier.url);
    updateControls();
  }

  /** Checks the descriptions before anything is sent; marks the bad ones in place. */
  function validate(queue) {
    const seen = new Map();
    const good = [];
    for (const item of queue) {
      const trimmed = item.description.trim();
      let problem = '';
      if (!trimmed) problem = 'Enter a description.';
      else if (scalarLength(trimmed) > descriptionMax) {
        problem = `The description is too long (at most ${descriptionMax} characters).`;
      } else if (seen.has(trimmed)) {
        problem = `“${seen.get(trimmed).file.name}” in this list has the same description; ` +
          'each file needs its own.';
      }
      if (problem) {
        item.setState('error', 'Not uploaded');
        item.setError(problem);
      } else {
        seen.set(trimmed, item);
        good.push(item);
      }
    }
    return good;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (batchRunning) return;
    const queue = validate(items.filter((item) => item.sendable));
    const invalid = items.filter((item) => item.state === 'error');
    if (!queue.length) {
      updateControls();
      if (invalid[0]) invalid[0].input.focus();
      return;
    }
    batchRunning = true;
    for (const item of queue) item.setState('pending', 'Waiting…');
    updateControls();
    announce(`Uploading ${plural(queue.length, 'file', 'files')}.`);

    const work = queue.slice();
    let succeeded = 0;
    let failed = 0;
    const worker = async () => {
      while (work.length) {
        const item = work.shift();
        if (!items.includes(item)) continue; // removed meanwhile
        const result = await uploadItem(item);
        if (result === 'done') succeeded += 1;
        else if (result === 'failed') failed += 1;
      }
    };
    await Promise.all(Array.from({length: Math.min(CONCURRENCY, work.length)}, worker));
    batchRunning = false;
    updateControls();

    const ids = items.filter((it) => it.state === 'done' && it.record).map((it) => String(it.record.id));
    if (succeeded) onUploaded(ids);
    const parts = [];
    if (succeeded) parts.push(`${plural(succeeded, 'file', 'files')} uploaded`);
    if (failed) parts.push(`${plural(failed, 'file', 'files')} not uploaded`);
    announce(`${parts.join(', ')}.`);
    const firstProblem = items.find((item) => item.state === 'error');
    if (firstProblem) firstProblem.input.focus();
  });

  updateControls();
  return {add};
}
