/* FileDrop upload page. Vanilla JavaScript, no build step, no libraries.
 *
 * Talks to the server's JSON API with the session cookie (same origin):
 *   GET    /files?limit=N[&cursor=C]  -> {"files": [...], "next_cursor": "..." | null}
 *   POST   /upload (multipart: description, inputFile) -> 201 + JSON record
 *   DELETE /files/ID -> 204
 * Errors are JSON {"message": "..."}.
 *
 * Everything here is progressive enhancement: without JavaScript the tutorial's form posts
 * normally, the file list is rendered by the server and "Older files" is a plain link.
 */
(() => {
  'use strict';

  const root = document.documentElement;
  root.classList.add('js');

  const PAGE_SIZE = 50;
  const CONCURRENCY = 2;
  const MAX_DESCRIPTION = 200;

  const $ = (selector, scope = document) => scope.querySelector(selector);
  const $$ = (selector, scope = document) => Array.from(scope.querySelectorAll(selector));

  /** Creates an element: el('p', {class: 'x', text: 'hi'}, [children]). */
  function el(tag, attrs = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'class') node.className = value;
      else if (key in node && typeof value !== 'string') node[key] = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child);
    }
    return node;
  }

  // ---------------------------------------------------------------- formatting

  /** Same as the server's rendering: powers of 1000, "1.2 MB", "12 MB", "812 B". */
  function formatSize(bytes) {
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

  function formatDate(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso || '');
    const p = (x) => String(x).padStart(2, '0');
    return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
      `${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
  }

  function formatDuration(seconds) {
    if (!Number.isFinite(seconds) || seconds < 0) return '';
    const s = Math.max(1, Math.ceil(seconds));
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
    const h = Math.floor(m / 60);
    return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  }

  function scalarLength(text) {
    return Array.from(text).length;
  }

  function plural(n, one, many) {
    return `${n} ${n === 1 ? one : many}`;
  }

  // ------------------------------------------------------------- announcements

  const statusRegion = $('#status');
  let announceTimer = 0;

  /** Says something through the polite live region (also for repeated messages). */
  function announce(message) {
    if (!statusRegion) return;
    window.clearTimeout(announceTimer);
    statusRegion.textContent = '';
    announceTimer = window.setTimeout(() => { statusRegion.textContent = message; }, 60);
  }

  const noticeArea = $('#notice-area');

  /** Shows a notice (kind: success | error) at the top of the page. */
  function showNotice(kind, message, link) {
    if (!noticeArea) return;
    const body = el('div', {class: 'notice-body'}, [el('p', {text: message})]);
    if (link) {
      body.firstChild.append(' ', el('a', {href: link.href, text: link.text}));
    }
    const close = el('button', {
      type: 'button', class: 'btn-icon notice-close', 'aria-label': 'Dismiss message', text: '×',
    });
    const notice = el('div', {class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status'},
      [body, close]);
    close.addEventListener('click', () => notice.remove());
    noticeArea.replaceChildren(notice);
  }

  let sessionExpiredShown = false;

  function sessionExpired() {
    if (sessionExpiredShown) return;
    sessionExpiredShown = true;
    showNotice('error', 'Your session has expired.', {href: '/', text: 'Sign in again'});
  }

  // ------------------------------------------------------------------- errors

  function parseMessage(text) {
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
  function errorText(status, bodyText) {
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

  // ----------------------------------------------------------- upload engine

  let inFlight = 0;

  window.addEventListener('beforeunload', (event) => {
    if (inFlight > 0) {
      event.preventDefault();
      event.returnValue = '';
    }
  });

  /**
   * Sends one file. onProgress(loaded, total) is called as the body goes out.
   * Returns {xhr, done}; done resolves to {status, body, aborted}.
   */
  function sendUpload(file, description, onProgress) {
    const xhr = new XMLHttpRequest();
    const done = new Promise((resolve) => {
      let settled = false;
      const finish = (result) => {
        if (settled) return;
        settled = true;
        inFlight -= 1;
        resolve(result);
      };
      xhr.open('POST', '/upload');
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
      data.append('inputFile', file, file.name);
      inFlight += 1;
      xhr.send(data);
    });
    return {xhr, done};
  }

  /** Tracks speed over the last few seconds; returns {speed, left} in bytes/s and s. */
  function makeMeter() {
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

  function progressText(loaded, total, meter) {
    if (total > 0 && loaded >= total) return 'Saving on the server…';
    const {speed, left} = meter;
    const parts = [`${formatSize(loaded)} of ${formatSize(total)}`];
    if (speed > 0) {
      parts.push(`${formatSize(Math.round(speed))}/s`);
      const remaining = formatDuration(left);
      if (remaining) parts.push(`${remaining} left`);
    }
    return parts.join(' · ');
  }

  function parseRecord(text) {
    try {
      const data = JSON.parse(text);
      return data && typeof data === 'object' && 'id' in data ? data : null;
    } catch (_) {
      return null;
    }
  }

  // ----------------------------------------------------------------- file list

  const filesCard = $('.files-card');
  const tbody = $('#file-rows');
  const pagerArea = $('#pager');

  function fileRows() {
    return tbody ? $$('tr.file-row', tbody) : [];
  }

  /** Keeps the empty state right (CSS :has does it too; this covers older browsers). */
  function syncEmptyState() {
    if (!tbody || !filesCard) return;
    const rows = fileRows().length;
    if (rows === 0 && tbody.childNodes.length) tbody.textContent = '';
    filesCard.classList.toggle('has-rows', rows > 0);
    filesCard.classList.toggle('is-empty', rows === 0);
  }

  /** Builds one row, the same markup as templates/file-row.html. */
  function buildRow(file) {
    const id = String(file.id);
    const href = `/files/${encodeURIComponent(id)}/content`;
    const description = String(file.description ?? '');
    const filename = String(file.filename ?? '');
    const tr = el('tr', {class: 'file-row', role: 'row', id: `file-${id}`, 'data-id': id});
    tr.append(
      el('td', {class: 'col-desc', role: 'cell'}, [el('span', {class: 'desc', text: description})]),
      el('td', {class: 'col-name', role: 'cell'}, [
        el('a', {
          class: 'file-link', href,
          title: `Download ${filename} (${file.content_type ?? ''})`, text: filename,
        }),
      ]),
      el('td', {class: 'col-size num', role: 'cell'}, [
        el('data', {value: String(file.size ?? ''), text: formatSize(file.size)}),
      ]),
      el('td', {class: 'col-date', role: 'cell'}, [
        el('time', {datetime: String(file.created_at ?? ''), text: formatDate(file.created_at)}),
      ]),
      el('td', {class: 'col-by', role: 'cell', text: String(file.uploaded_by ?? '')}),
      el('td', {class: 'col-actions', role: 'cell'}, [
        el('a', {
          class: 'btn btn-secondary btn-small', href,
          'aria-label': `Download ${description}`, text: 'Download',
        }),
        ' ',
        el('button', {
          class: 'btn btn-danger btn-small delete-btn', type: 'button', 'data-id': id,
          'aria-label': `Delete ${description}`, text: 'Delete',
        }),
      ]),
    );
    return tr;
  }

  function setPager(cursor) {
    if (!pagerArea) return;
    if (!cursor) {
      pagerArea.replaceChildren();
      return;
    }
    const link = el('a', {
      class: 'btn btn-secondary older-link', id: 'older-link',
      href: `/?cursor=${encodeURIComponent(cursor)}`, 'data-cursor': cursor, text: 'Older files',
    });
    pagerArea.replaceChildren(el('nav', {class: 'pager', 'aria-label': 'More files'}, [link]));
  }

  class HttpError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function fetchFiles(cursor) {
    let url = `/files?limit=${PAGE_SIZE}`;
    if (cursor) url += `&cursor=${encodeURIComponent(cursor)}`;
    let response;
    try {
      response = await fetch(url, {
        headers: {Accept: 'application/json'},
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (_) {
      throw new HttpError(0, errorText(0, ''));
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      if (response.status === 401) sessionExpired();
      throw new HttpError(response.status, errorText(response.status, text));
    }
    const data = await response.json();
    return {files: Array.isArray(data.files) ? data.files : [], next: data.next_cursor || null};
  }

  let listGeneration = 0;

  /** Reloads the first page of the list; highlights the given ids. */
  async function refreshList(highlight = []) {
    if (!tbody) return;
    const generation = ++listGeneration;
    try {
      const {files, next} = await fetchFiles(null);
      if (generation !== listGeneration) return;
      const fragment = document.createDocumentFragment();
      for (const file of files) {
        const row = buildRow(file);
        if (highlight.includes(String(file.id))) row.classList.add('is-new');
        fragment.append(row);
      }
      tbody.replaceChildren(fragment);
      setPager(next);
      syncEmptyState();
      if (highlight.length) {
        window.setTimeout(() => {
          for (const row of $$('tr.is-new', tbody)) row.classList.remove('is-new');
        }, 6000);
      }
    } catch (error) {
      if (generation !== listGeneration) return;
      if (error.status !== 401) showNotice('error', `Could not refresh the file list. ${error.message}`);
    }
  }

  if (pagerArea) {
    pagerArea.addEventListener('click', async (event) => {
      const link = event.target.closest('a.older-link');
      if (!link || !tbody) return;
      event.preventDefault();
      if (link.getAttribute('aria-disabled') === 'true') return;
      const cursor = link.dataset.cursor ||
        new URL(link.href, window.location.href).searchParams.get('cursor');
      link.setAttribute('aria-disabled', 'true');
      link.textContent = 'Loading…';
      const generation = listGeneration;
      try {
        const {files, next} = await fetchFiles(cursor);
        if (generation !== listGeneration) return;
        const present = new Set(fileRows().map((row) => row.dataset.id));
        const added = [];
        for (const file of files) {
          if (present.has(String(file.id))) continue;
          const row = buildRow(file);
          tbody.append(row);
          added.push(row);
        }
        setPager(next);
        syncEmptyState();
        announce(added.length ? `${plural(added.length, 'older file', 'older files')} loaded.`
          : 'No older files.');
        const first = added[0] && $('a.file-link', added[0]);
        if (first) first.focus();
      } catch (error) {
        link.removeAttribute('aria-disabled');
        link.textContent = 'Older files';
        if (error.status !== 401) showNotice('error', `Could not load older files. ${error.message}`);
      }
    });
  }

  if (tbody) {
    tbody.addEventListener('click', async (event) => {
      const button = event.target.closest('button.delete-btn');
      if (!button) return;
      const row = button.closest('tr');
      const id = button.dataset.id || (row && row.dataset.id);
      if (!row || !id) return;
      const description = ($('.desc', row) || row).textContent.trim();
      if (!window.confirm(`Delete “${description}”?\nThis cannot be undone.`)) return;
      button.disabled = true;
      row.classList.add('is-removing');
      let response = null;
      try {
        response = await fetch(`/files/${encodeURIComponent(id)}`, {
          method: 'DELETE',
          headers: {Accept: 'application/json'},
          credentials: 'same-origin',
        });
      } catch (_) {
        // Network error: reported below.
      }
      if (response && (response.status === 204 || response.status === 200 || response.status === 404)) {
        const rows = fileRows();
        const index = rows.indexOf(row);
        const neighbour = rows[index + 1] || rows[index - 1];
        row.remove();
        syncEmptyState();
        const target = neighbour ? $('.delete-btn', neighbour) : $('#files-heading');
        if (target) {
          if (!neighbour) target.setAttribute('tabindex', '-1');
          target.focus();
        }
        announce(`Deleted “${description}”.`);
        return;
      }
      button.disabled = false;
      row.classList.remove('is-removing');
      const status = response ? response.status : 0;
      const text = response ? await response.text().catch(() => '') : '';
      if (status === 401) sessionExpired();
      else showNotice('error', `Could not delete “${description}”. ${errorText(status, text)}`);
    });
  }

  syncEmptyState();

  // ------------------------------------------------------- the tutorial's form

  const form = $('#upload-form');
  if (form) {
    const fileInput = $('input[name="inputFile"]', form);
    const descriptionInput = $('textarea[name="description"]', form);
    const submitButton = $('#form-submit', form) || $('button[type="submit"]', form);
    const cancelButton = $('#form-cancel', form);
    const progressBlock = $('#form-progress', form);
    const progressBar = $('#form-progress-bar', form);
    const progressMeta = $('#form-progress-text', form);
    const result = $('#form-result', form);
    let active = null;

    const showResult = (kind, message) => {
      result.replaceChildren(el('div', {class: `notice notice-${kind}`}, [
        el('div', {class: 'notice-body'}, [el('p', {text: message})]),
      ]));
    };

    const setBusy = (busy) => {
      submitButton.disabled = busy;
      fileInput.disabled = busy;
      descriptionInput.readOnly = busy;
      if (cancelButton) cancelButton.hidden = !busy;
      form.setAttribute('aria-busy', busy ? 'true' : 'false');
    };

    descriptionInput.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });

    if (cancelButton) {
      cancelButton.addEventListener('click', () => {
        if (active) active.xhr.abort();
      });
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (active) return;
      const file = fileInput.files && fileInput.files[0];
      const description = descriptionInput.value;
      if (!file) {
        showResult('error', 'Choose a file to upload.');
        fileInput.focus();
        return;
      }
      const trimmed = description.trim();
      if (!trimmed) {
        showResult('error', 'Enter a description.');
        descriptionInput.focus();
        return;
      }
      if (scalarLength(trimmed) > MAX_DESCRIPTION) {
        showResult('error', `The description is too long (at most ${MAX_DESCRIPTION} characters).`);
        descriptionInput.focus();
        return;
      }

      result.replaceChildren();
      progressBlock.hidden = false;
      progressBar.value = 0;
      progressMeta.textContent = `Starting upload of ${file.name}…`;
      setBusy(true);
      const meter = makeMeter();
      active = sendUpload(file, description, (loaded, total) => {
        progressBar.value = total > 0 ? Math.floor((loaded / total) * 100) : 100;
        progressMeta.textContent = progressText(loaded, total, meter(loaded, total));
      });
      announce(`Uploading ${file.name}.`);
      const outcome = await active.done;
      active = null;
      setBusy(false);

      if (outcome.status === 201 || outcome.status === 200) {
        const record = parseRecord(outcome.body);
        progressBar.value = 100;
        progressMeta.textContent = 'Done.';
        const name = record ? record.filename : file.name;
        const message = `Uploaded “${name}” as “${record ? record.description : trimmed}”.`;
        showResult('success', message);
        announce(message);
        form.reset();
        refreshList(record ? [String(record.id)] : []);
        return;
      }
      progressBlock.hidden = true;
      if (outcome.aborted) {
        showResult('error', 'Upload cancelled.');
        announce('Upload cancelled.');
        return;
      }
      if (outcome.status === 401) sessionExpired();
      showResult('error', errorText(outcome.status, outcome.body));
      if (outcome.status === 409 || outcome.status === 400) descriptionInput.focus();
    });
  }

  // ----------------------------------------------------------------- drop zone

  const dropCard = $('#drop-card');
  const zone = $('#dropzone');
  const picker = $('#drop-input');
  const pendingForm = $('#pending-form');
  const pendingList = $('#pending-list');
  const uploadAllButton = $('#upload-all');
  const clearButton = $('#clear-pending');

  if (dropCard && zone && picker && pendingForm && pendingList) {
    dropCard.hidden = false;

    const items = [];
    let nextItemId = 1;
    let batchRunning = false;

    const isSendable = (item) => item.state === 'pending' || item.state === 'error';

    function updateControls() {
      const sendable = items.filter(isSendable).length;
      pendingForm.hidden = items.length === 0;
      uploadAllButton.disabled = batchRunning || sendable === 0;
      uploadAllButton.textContent = batchRunning ? 'Uploading…'
        : sendable > 1 ? `Upload ${sendable} files` : 'Upload';
      const finished = items.length > 0 && items.every((item) => item.state === 'done');
      clearButton.textContent = finished ? 'Clear finished' : 'Clear list';
      clearButton.disabled = batchRunning;
    }

    function setState(item, state, text) {
      item.state = state;
      item.li.dataset.state = state;
      if (text !== undefined) item.stateText.textContent = text;
      const uploading = state === 'uploading';
      const done = state === 'done';
      item.input.readOnly = uploading;
      item.input.disabled = done;
      item.remove.setAttribute('aria-label',
        uploading ? `Cancel upload of ${item.file.name}` : `Remove ${item.file.name} from the list`);
      item.remove.title = uploading ? 'Cancel upload' : 'Remove from the list';
    }

    function setError(item, message) {
      item.error.textContent = message;
      item.input.setAttribute('aria-invalid', message ? 'true' : 'false');
    }

    function removeItem(item) {
      const index = items.indexOf(item);
      if (index >= 0) items.splice(index, 1);
      const next = items[index] || items[index - 1];
      item.li.remove();
      updateControls();
      if (next) next.input.disabled ? next.remove.focus() : next.input.focus();
      else zone.focus();
    }

    function makeItem(file) {
      const n = nextItemId++;
      const inputId = `pending-desc-${n}`;
      const errorId = `pending-error-${n}`;
      const input = el('input', {
        type: 'text', id: inputId, name: `description-${n}`, class: 'pending-desc',
        maxlength: String(MAX_DESCRIPTION), autocomplete: 'off', required: true,
        'aria-describedby': errorId,
      });
      input.value = file.name.slice(0, MAX_DESCRIPTION);
      const remove = el('button', {type: 'button', class: 'btn-icon pending-remove', text: '×'});
      const progress = el('progress', {max: '100', value: '0', class: 'pending-progress',
        'aria-label': `Upload progress of ${file.name}`});
      const stateText = el('span', {class: 'pending-state', text: 'Ready'});
      const meta = el('span', {class: 'pending-meta'});
      const error = el('p', {class: 'pending-error', id: errorId, role: 'alert'});
      const li = el('li', {class: 'pending-item', 'data-state': 'pending'}, [
        el('div', {class: 'pending-head'}, [
          el('div', {class: 'pending-file'}, [
            el('span', {class: 'pending-name', text: file.name, title: file.name}),
            el('span', {class: 'pending-size', text: formatSize(file.size)}),
          ]),
          remove,
        ]),
        el('div', {class: 'field'}, [
          el('label', {for: inputId}, [
            'Description',
            el('span', {class: 'visually-hidden', text: ` for ${file.name}`}),
          ]),
          input,
        ]),
        progress,
        el('p', {class: 'progress-meta'}, [stateText, ' ', meta]),
        error,
      ]);
      const item = {file, li, input, remove, progress, stateText, meta, error, state: 'pending', xhr: null};
      remove.addEventListener('click', () => {
        if (item.state === 'uploading') {
          if (item.xhr) item.xhr.abort();
        } else {
          removeItem(item);
        }
      });
      input.addEventListener('input', () => {
        if (item.state === 'error') {
          setError(item, '');
          setState(item, 'pending', 'Ready');
          item.progress.value = 0;
          item.meta.textContent = '';
          updateControls();
        }
      });
      setState(item, 'pending', 'Ready');
      return item;
    }

    function addFiles(fileList, viaPicker = false) {
      const files = Array.from(fileList || []);
      if (!files.length) return;
      if (!batchRunning) {
        // A new batch starts: drop the finished ones from the last batch.
        for (const item of items.filter((it) => it.state === 'done')) {
          items.splice(items.indexOf(item), 1);
          item.li.remove();
        }
      }
      const added = files.map(makeItem);
      for (const item of added) {
        items.push(item);
        pendingList.append(item.li);
      }
      updateControls();
      announce(`${plural(added.length, 'file', 'files')} added. ` +
        'Check the descriptions, then press Upload.');
      if (!batchRunning) added[0].input.focus({preventScroll: !viaPicker});
    }

    // Opening the chooser: click, Enter or Space on the zone.
    const openPicker = () => picker.click();
    zone.addEventListener('click', openPicker);
    zone.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        openPicker();
      } else if (event.key === ' ' || event.key === 'Spacebar') {
        event.preventDefault(); // no page scroll; open on keyup like a real button
      }
    });
    zone.addEventListener('keyup', (event) => {
      if (event.key === ' ' || event.key === 'Spacebar') {
        event.preventDefault();
        openPicker();
      }
    });
    picker.addEventListener('change', () => {
      addFiles(picker.files, true);
      picker.value = '';
    });

    // Dragging.
    const hasFiles = (event) => {
      const types = event.dataTransfer ? Array.from(event.dataTransfer.types || []) : [];
      return types.includes('Files');
    };
    const isFileInput = (target) => target instanceof HTMLInputElement && target.type === 'file';
    let dragDepth = 0;

    zone.addEventListener('dragenter', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      dragDepth += 1;
      zone.classList.add('is-dragover');
    });
    zone.addEventListener('dragover', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      zone.classList.add('is-dragover');
    });
    zone.addEventListener('dragleave', () => {
      dragDepth = Math.max(0, dragDepth - 1);
      if (dragDepth === 0) zone.classList.remove('is-dragover');
    });
    zone.addEventListener('drop', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.stopPropagation();
      dragDepth = 0;
      zone.classList.remove('is-dragover');
      addFiles(event.dataTransfer.files);
    });

    // Files dropped elsewhere on the page (not on a file input) join the list too,
    // instead of the browser navigating away to show them.
    window.addEventListener('dragover', (event) => {
      if (!hasFiles(event) || isFileInput(event.target)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    });
    window.addEventListener('drop', (event) => {
      if (!hasFiles(event) || isFileInput(event.target)) return;
      event.preventDefault();
      addFiles(event.dataTransfer.files);
    });

    clearButton.addEventListener('click', () => {
      for (const item of items.splice(0)) item.li.remove();
      updateControls();
      zone.focus();
    });

    async function uploadItem(item) {
      setError(item, '');
      setState(item, 'uploading', 'Uploading…');
      item.progress.value = 0;
      item.meta.textContent = '';
      const meter = makeMeter();
      const {xhr, done} = sendUpload(item.file, item.input.value, (loaded, total) => {
        item.progress.value = total > 0 ? Math.floor((loaded / total) * 100) : 100;
        item.meta.textContent = progressText(loaded, total, meter(loaded, total));
      });
      item.xhr = xhr;
      const outcome = await done;
      item.xhr = null;
      if (outcome.status === 201 || outcome.status === 200) {
        const record = parseRecord(outcome.body);
        item.progress.value = 100;
        item.meta.textContent = `· ${formatSize(item.file.size)} stored`;
        setState(item, 'done', 'Done');
        item.record = record;
        return true;
      }
      item.progress.value = 0;
      item.meta.textContent = '';
      if (outcome.aborted) {
        setState(item, 'pending', 'Cancelled');
        return false;
      }
      if (outcome.status === 401) sessionExpired();
      setState(item, 'error', 'Not uploaded');
      setError(item, errorText(outcome.status, outcome.body));
      return false;
    }

    /** Checks the descriptions before anything is sent; marks the bad ones in place. */
    function validate(queue) {
      const seen = new Map();
      const good = [];
      for (const item of queue) {
        const trimmed = item.input.value.trim();
        let problem = '';
        if (!trimmed) problem = 'Enter a description.';
        else if (scalarLength(trimmed) > MAX_DESCRIPTION) {
          problem = `The description is too long (at most ${MAX_DESCRIPTION} characters).`;
        } else if (seen.has(trimmed)) {
          problem = `“${seen.get(trimmed).file.name}” in this list has the same description; ` +
            'each file needs its own.';
        }
        if (problem) {
          setState(item, 'error', 'Not uploaded');
          setError(item, problem);
        } else {
          seen.set(trimmed, item);
          good.push(item);
        }
      }
      return good;
    }

    pendingForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (batchRunning) return;
      const queue = validate(items.filter(isSendable));
      const invalid = items.filter((item) => item.state === 'error');
      if (!queue.length) {
        updateControls();
        if (invalid[0]) invalid[0].input.focus();
        return;
      }
      batchRunning = true;
      for (const item of queue) setState(item, 'pending', 'Waiting…');
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

      const ids = items.filter((it) => it.state === 'done' && it.record).map((it) => String(it.record.id));
      if (succeeded) refreshList(ids);
      const parts = [];
      if (succeeded) parts.push(`${plural(succeeded, 'file', 'files')} uploaded`);
      if (failed) parts.push(`${plural(failed, 'file', 'files')} not uploaded`);
      announce(`${parts.join(', ')}.`);
      const firstProblem = items.find((item) => item.state === 'error');
      if (firstProblem) firstProblem.input.focus();
    });

    updateControls();
  }
})();
