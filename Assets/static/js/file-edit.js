/* Editing a file in place: a row's Edit button opens a small form in a row just below it (the
 * description, and when the file goes: as it is, never, after a preset time, or at a date and
 * time), saved with PATCH /files/ID. Enter saves, Escape or Cancel closes it; a refusal (a
 * description in use, a lifetime past the server's cap) shows in place. The file's row is then
 * rendered again from the record the server answers with. */
import {$, el} from './dom.js';
import {announce, sessionExpired} from './announce.js';
import {editFile} from './api.js';
import {formatLifetime, scalarLength} from './format.js';
import {renderFileRow} from './file-rows.js';

/** Lifetimes offered, in seconds (those within the server's cap). */
const PRESETS = [3600, 86400, 7 * 86400, 30 * 86400];

let formCount = 0;

/** list: as createFileList returns it; descriptionMax and maxFileTTL: the server's. */
export function setupFileEdit(list, {descriptionMax, maxFileTTL}) {
  list.tbody.addEventListener('click', (event) => {
    const button = event.target.closest('button.edit-btn');
    const row = button && button.closest('tr');
    if (row) open(row, {list, descriptionMax, maxFileTTL});
  });
}

function option(value, text) {
  return el('option', {value, text});
}

function open(row, {list, descriptionMax, maxFileTTL}) {
  const next = row.nextElementSibling;
  if (next && next.classList.contains('edit-row')) {
    $('input', next).focus();
    return;
  }
  const id = row.dataset.id;
  const current = $('.desc', row).textContent;
  const n = ++formCount;

  const description = el('input', {type: 'text', id: `edit-desc-${n}`, name: 'description', value: current,
    required: true, autocomplete: 'off'});
  const expiry = el('select', {id: `edit-expiry-${n}`, name: 'expiry'}, [
    option('keep', row.dataset.expiresAt ? 'Keep the date it has' : 'Keep: never'),
    maxFileTTL === 0 ? option('never', 'Never') : null,
    ...PRESETS.filter((s) => maxFileTTL === 0 || s <= maxFileTTL)
      .map((s) => option(String(s), `In ${formatLifetime(s)}`)),
    option('at', 'At a date and time…'),
  ]);
  const at = el('input', {type: 'datetime-local', id: `edit-at-${n}`, name: 'at', hidden: true,
    'aria-label': 'Expiry date and time (your time zone)'});
  const error = el('p', {class: 'edit-error', role: 'alert'});
  const save = el('button', {type: 'submit', class: 'btn btn-primary btn-small', text: 'Save'});
  const cancel = el('button', {type: 'button', class: 'btn btn-secondary btn-small', text: 'Cancel'});
  const form = el('form', {class: 'edit-form', novalidate: true, 'aria-label': `Edit “${current}”`}, [
    el('div', {class: 'edit-field edit-description'}, [el('label', {for: description.id, text: 'Description'}), description]),
    el('div', {class: 'edit-field'}, [el('label', {for: expiry.id, text: 'Expires'}), expiry, at]),
    el('div', {class: 'actions'}, [save, cancel]),
    error,
  ]);
  const columns = row.children.length || 1;
  const editRow = el('tr', {class: 'edit-row', role: 'row'}, [el('td', {role: 'cell', colspan: String(columns)}, [form])]);

  const close = (focusEdit = true) => {
    editRow.remove();
    row.classList.remove('is-editing');
    const edit = $('.edit-btn', row);
    if (focusEdit && edit) edit.focus();
  };

  expiry.addEventListener('change', () => {
    at.hidden = expiry.value !== 'at';
    if (!at.hidden) at.focus();
  });
  cancel.addEventListener('click', () => close());
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const changes = {};
    const trimmed = description.value.trim();
    if (!trimmed) return showError(error, description, 'Enter a description.');
    if (scalarLength(trimmed) > descriptionMax) {
      return showError(error, description, `The description is too long (at most ${descriptionMax} characters).`);
    }
    if (trimmed !== current) changes.description = trimmed;
    if (expiry.value === 'never') changes.expires_at = null;
    else if (expiry.value === 'at') {
      const time = new Date(at.value);
      if (!at.value || Number.isNaN(time.getTime())) return showError(error, at, 'Choose a date and time.');
      changes.expires_at = time.toISOString();
    } else if (expiry.value !== 'keep') {
      changes.expires_at = new Date(Date.now() + Number(expiry.value) * 1000).toISOString();
    }
    if (!Object.keys(changes).length) return close();

    save.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const record = await editFile(id, changes);
      const expired = record.expires_at && new Date(record.expires_at).getTime() <= Date.now();
      if (expired) {
        editRow.remove();
        row.remove();
        list.syncEmptyState();
        announce(`“${record.description}” expired and is gone.`);
        return;
      }
      const fresh = renderFileRow(record);
      editRow.remove();
      row.replaceWith(fresh);
      const edit = $('.edit-btn', fresh);
      if (edit) edit.focus();
      announce(`Saved “${record.description}”.`);
    } catch (failure) {
      save.disabled = false;
      form.removeAttribute('aria-busy');
      if (failure.status === 401) sessionExpired();
      if (failure.status === 404) {
        showError(error, cancel, 'This file is gone: someone deleted it, or it expired.');
      } else if (failure.status === 409) {
        showError(error, description, 'Another file already has this description.');
      } else {
        showError(error, expiry, failure.serverMessage || failure.message);
      }
    }
  });

  row.classList.add('is-editing');
  row.after(editRow);
  description.focus();
  description.select();
}

function showError(error, field, message) {
  error.textContent = message;
  field.focus();
}
