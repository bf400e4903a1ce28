/* One file waiting in the drop zone's list: its name and size, its own description field
 * (prefilled from the file name), its progress bar and its error, shown in place. */
import {el} from './dom.js';
import {formatSize, scalarPrefix} from './format.js';

let nextNumber = 1;

export class PendingItem {
  /** state: pending | uploading | done | error. onRemove: the × button outside an upload;
   * onEdit: the description changed. descriptionMax: the server's limit. */
  constructor(file, {descriptionMax, onRemove, onEdit}) {
    const n = nextNumber++;
    const inputId = `pending-desc-${n}`;
    const errorId = `pending-error-${n}`;
    this.file = file;
    this.state = 'pending';
    this.upload = null; // {abort, done} while uploading
    this.record = null; // the stored file's record once done
    this.input = el('input', {
      type: 'text', id: inputId, name: `description-${n}`, class: 'pending-desc',
      maxlength: String(descriptionMax), autocomplete: 'off', required: true,
      'aria-describedby': errorId,
    });
    this.input.value = scalarPrefix(file.name, descriptionMax);
    this.remove = el('button', {type: 'button', class: 'btn-icon pending-remove', text: '×'});
    this.progress = el('progress', {max: '100', value: '0', class: 'pending-progress',
      'aria-label': `Upload progress of ${file.name}`});
    this.stateText = el('span', {class: 'pending-state', text: 'Ready'});
    this.meta = el('span', {class: 'pending-meta'});
    this.error = el('p', {class: 'pending-error', id: errorId, role: 'alert'});
    this.li = el('li', {class: 'pending-item', 'data-state': 'pending'}, [
      el('div', {class: 'pending-head'}, [
        el('div', {class: 'pending-file'}, [
          el('span', {class: 'pending-name', text: file.name, title: file.name}),
          el('span', {class: 'pending-size', text: formatSize(file.size)}),
        ]),
        this.remove,
      ]),
      el('div', {class: 'field'}, [
        el('label', {for: inputId}, [
          'Description',
          el('span', {class: 'visually-hidden', text: ` for ${file.name}`}),
        ]),
        this.input,
      ]),
      this.progress,
      el('p', {class: 'progress-meta'}, [this.stateText, ' ', this.meta]),
      this.error,
    ]);

    this.remove.addEventListener('click', () => {
      if (this.state === 'uploading') {
        if (this.upload) this.upload.abort();
      } else {
        onRemove(this);
      }
    });
    this.input.addEventListener('input', () => {
      if (this.state === 'error') {
        this.setError('');
        this.setState('pending', 'Ready');
        this.setProgress(0, '');
        onEdit(this);
      }
    });
    this.setState('pending', 'Ready');
  }

  /** Waiting to be sent, or failed and worth another try. */
  get sendable() {
    return this.state === 'pending' || this.state === 'error';
  }

  get description() {
    return this.input.value;
  }

  setState(state, text) {
    this.state = state;
    this.li.dataset.state = state;
    if (text !== undefined) this.stateText.textContent = text;
    const uploading = state === 'uploading';
    this.input.readOnly = uploading;
    this.input.disabled = state === 'done';
    this.remove.setAttribute('aria-label',
      uploading ? `Cancel upload of ${this.file.name}` : `Remove ${this.file.name} from the list`);
    this.remove.title = uploading ? 'Cancel upload' : 'Remove from the list';
  }

  setError(message) {
    this.error.textContent = message;
    this.input.setAttribute('aria-invalid', message ? 'true' : 'false');
  }

  setProgress(value, text) {
    this.progress.value = value;
    this.meta.textContent = text;
  }

  /** Focuses what can take the focus: the description, or the × once done. */
  focus(options) {
    if (this.input.disabled) this.remove.focus(options);
    else this.input.focus(options);
  }
}
