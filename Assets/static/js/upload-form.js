/* The tutorial's form (a file, a description, Upload). Without JavaScript it posts to /upload
 * and the server answers with a page; with it, the same multipart POST goes through
 * XMLHttpRequest with a progress bar, a Cancel button and the result in place. */
import {$, el} from './dom.js';
import {announce, sessionExpired} from './announce.js';
import {parseRecord, sendUpload} from './api.js';
import {errorText} from './errors.js';
import {scalarLength} from './format.js';
import {makeMeter, percent, progressText} from './progress.js';

/** descriptionMax: the server's limit (data-description-max); onUploaded(ids) after a success. */
export function setupUploadForm({descriptionMax, onUploaded}) {
  const form = $('#upload-form');
  if (!form) return;
  const fileInput = $('input[name="inputFile"]', form);
  const descriptionInput = $('textarea[name="description"]', form);
  const expirySelect = $('select[name="expires_in"]', form);
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

  /** [message, field to focus] for what is wrong before anything is sent, or null (the
   * server checks everything again). */
  const problem = (file, trimmed) => {
    if (!file) return ['Choose a file to upload.', fileInput];
    if (!trimmed) return ['Enter a description.', descriptionInput];
    if (scalarLength(trimmed) > descriptionMax) {
      return [`The description is too long (at most ${descriptionMax} characters).`, descriptionInput];
    }
    return null;
  };

  descriptionInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  if (cancelButton) {
    cancelButton.addEventListener('click', () => {
      if (active) active.abort();
    });
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (active) return;
    const file = fileInput.files && fileInput.files[0];
    const description = descriptionInput.value;
    const trimmed = description.trim();
    const refused = problem(file, trimmed);
    if (refused) {
      const [message, field] = refused;
      showResult('error', message);
      field.focus();
      return;
    }

    result.replaceChildren();
    progressBlock.hidden = false;
    progressBar.value = 0;
    progressMeta.textContent = `Starting upload of ${file.name}…`;
    setBusy(true);
    const meter = makeMeter();
    active = sendUpload(file, description, (loaded, total) => {
      progressBar.value = percent(loaded, total);
      progressMeta.textContent = progressText(loaded, total, meter(loaded, total));
    }, expirySelect ? expirySelect.value : '', form.getAttribute('action') || '/upload');
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
      onUploaded(record && record.id !== undefined ? [String(record.id)] : []);
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
