/* The drop zone's list of files to upload: files join it (dropped or chosen), each gets its own
 * description; one Upload button (or Enter) checks the descriptions and sends the files, a few
 * at a time, each with its own progress and its own error in place. */
import {announce, sessionExpired} from './announce.js';
import {parseRecord, sendUpload} from './api.js';
import {errorText} from './errors.js';
import {formatSize, plural, scalarLength} from './format.js';
import {PendingItem} from './pending-item.js';
import {makeMeter, percent, progressText} from './progress.js';

/** Files sent at the same time. */
const CONCURRENCY = 2;

/**
 * form: the pending-list form (with #pending-list, #upload-all, #clear-pending);
 * descriptionMax: the server's limit (data-description-max);
 * onUploaded(ids): after a batch that stored files; focusHome(): where the focus goes when the
 * list empties; uploadUrl: where the files go (a drop link's page sends to its own
 * /d/TOKEN/upload). Returns {add(files, viaPicker)}.
 */
export function createUploadQueue({form, descriptionMax, onUploaded, focusHome, uploadUrl = '/upload'}) {
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
      descriptionMax, onRemove: remove, onEdit: updateControls,
    }));
    for (const item of added) {
      items.push(item);
      list.append(item.li);
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

  async function uploadItem(item) {
    item.setError('');
    item.setState('uploading', 'Uploading…');
    item.setProgress(0, '');
    const meter = makeMeter();
    item.upload = sendUpload(item.file, item.description, (loaded, total) => {
      item.setProgress(percent(loaded, total), progressText(loaded, total, meter(loaded, total)));
    }, expirySelect ? expirySelect.value : '', uploadUrl);
    const outcome = await item.upload.done;
    item.upload = null;
    if (outcome.status === 201 || outcome.status === 200) {
      item.record = parseRecord(outcome.body);
      item.setProgress(100, `· ${formatSize(item.file.size)} stored`);
      item.setState('done', 'Done');
      return true;
    }
    item.setProgress(0, '');
    if (outcome.aborted) {
      item.setState('pending', 'Cancelled');
      return false;
    }
    if (outcome.status === 401) sessionExpired();
    item.setState('error', 'Not uploaded');
    item.setError(errorText(outcome.status, outcome.body));
    return false;
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
        if (await uploadItem(item)) succeeded += 1;
        else failed += 1;
      }
    };
    await Promise.all(Array.from({length: Math.min(CONCURRENCY, work.length)}, worker));
    batchRunning = false;
    updateControls();

    const ids = items.filter((it) => it.state === 'done' && it.record && it.record.id !== undefined)
      .map((it) => String(it.record.id));
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
