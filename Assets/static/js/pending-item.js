/* One file waiting in the drop zone's list: its name and size, its own description field
 * (prefilled from the file name), its progress bar, Pause/Resume while it uploads, its error,
 * and, when part of it was uploaded before (a reload after a cut), the offer to go on from there. */
import {el} from './dom.js';
import {formatSize, scalarPrefix} from './format.js';
import {percent} from './progress.js';

let nextNumber = 1;

export class PendingItem {
  /** state: pending | uploading | paused | done | error. descriptionMax: the server's limit.
   * Callbacks, each with this item: onRemove (× while idle), onCancel (× while uploading or
   * paused), onPause, onResume, onStartOver (declines the offer to resume), onEdit. */
  constructor(file, {descriptionMax, onRemove, onCancel, onPause, onResume, onStartOver, onEdit}) {
    const n = nextNumber++;
    const inputId = `pending-desc-${n}`;
    const errorId = `pending-error-${n}`;
    const offerId = `pending-offer-${n}`;
    this.file = file;
    this.state = 'pending';
    this.tus = null; // the file's TusUpload, once one exists
    this.resumable = null; // {url, description, offset, length}: an earlier upload of this file
    this.record = null; // {id} of the stored file once done
    this.input = el('input', {
      type: 'text', id: inputId, name: `description-${n}`, class: 'pending-desc',
      maxlength: String(descriptionMax), autocomplete: 'off', required: true,
      'aria-describedby': `${offerId} ${errorId}`,
    });
    this.defaultDescription = scalarPrefix(file.name, descriptionMax);
    this.input.value = this.defaultDescription;
    this.remove = el('button', {type: 'button', class: 'btn-icon pending-remove', text: '×'});
    this.pauseButton = el('button', {type: 'button', class: 'btn btn-secondary btn-small pending-pause', text: 'Pause'});
    this.progress = el('progress', {max: '100', value: '0', class: 'pending-progress',
      'aria-label': `Upload progress of ${file.name}`});
    this.stateText = el('span', {class: 'pending-state', text: 'Ready'});
    this.meta = el('span', {class: 'pending-meta'});
    this.error = el('p', {class: 'pending-error', id: errorId, role: 'alert'});
    this.offerText = el('span');
    this.startOver = el('button', {type: 'button', class: 'btn btn-secondary btn-small', text: 'Start over'});
    this.offer = el('p', {class: 'pending-offer', id: offerId, hidden: true}, [this.offerText, ' ', this.startOver]);
    this.li = el('li', {class: 'pending-item', 'data-state': 'pending'}, [
      el('div', {class: 'pending-head'}, [
        el('div', {class: 'pending-file'}, [
          el('span', {class: 'pending-name', text: file.name, title: file.name}),
          el('span', {class: 'pending-size', text: formatSize(file.size)}),
        ]),
        this.pauseButton,
        this.remove,
      ]),
      el('div', {class: 'field'}, [
        el('label', {for: inputId}, [
          'Description',
          el('span', {class: 'visually-hidden', text: ` for ${file.name}`}),
        ]),
        this.input,
      ]),
      this.offer,
      this.progress,
      el('p', {class: 'progress-meta'}, [this.stateText, ' ', this.meta]),
      this.error,
    ]);

    this.remove.addEventListener('click', () => {
      if (this.state === 'uploading' || this.state === 'paused') onCancel(this);
      else onRemove(this);
    });
    this.pauseButton.addEventListener('click', () => {
      if (this.state === 'uploading') onPause(this);
      else if (this.state === 'paused') onResume(this);
    });
    this.startOver.addEventListener('click', () => onStartOver(this));
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

  /** Part of this file was uploaded before: offer to go on from there. The description is the
   * earlier upload's (the server reserved it for that upload). */
  offerResume(resumable) {
    this.resumable = resumable;
    this.input.value = resumable.description;
    this.offerText.textContent = `${percent(resumable.offset, resumable.length)} % of this file was uploaded ` +
      `before (${formatSize(resumable.offset)}); the upload goes on from there.`;
    this.offer.hidden = false;
    this.setProgress(percent(resumable.offset, resumable.length), '');
    this.setState(this.state);
  }

  /** The offer is withdrawn: a fresh upload, with the description free to edit again. */
  withdrawOffer() {
    this.resumable = null;
    this.offer.hidden = true;
    this.input.value = this.defaultDescription;
    this.setProgress(0, '');
    this.setState(this.state);
  }

  setState(state, text) {
    this.state = state;
    this.li.dataset.state = state;
    if (text !== undefined) this.stateText.textContent = text;
    const active = state === 'uploading' || state === 'paused';
    // The description is fixed once an upload holds it on the server.
    this.input.readOnly = active || Boolean(this.resumable) || Boolean(this.tus && this.tus.url);
    this.input.disabled = state === 'done';
    this.pauseButton.hidden = !active;
    this.pauseButton.textContent = state === 'paused' ? 'Resume' : 'Pause';
    this.pauseButton.setAttribute('aria-label', `${state === 'paused' ? 'Resume' : 'Pause'} upload of ${this.file.name}`);
    this.startOver.disabled = active;
    this.remove.setAttribute('aria-label',
      active ? `Cancel upload of ${this.file.name}` : `Remove ${this.file.name} from the list`);
    this.remove.title = active ? 'Cancel upload' : 'Remove from the list';
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
