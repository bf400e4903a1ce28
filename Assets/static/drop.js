/* A drop link's public page (/d/TOKEN): the entry module. It reuses the upload page's drop
 * zone, queue and form modules, sending to the drop link's own collection instead of the
 * signed-in user's: files dropped or chosen go through tus at /d/TOKEN/uploads (resumable,
 * with pause and resume), and the form posts to /d/TOKEN/upload (the form's action). There is
 * no session here and no file list: a guest sees only what it sends.
 *
 * Without JavaScript the tutorial's form posts to /d/TOKEN/upload and the server answers with
 * a page; with it, the form sends through XMLHttpRequest.
 */
import {$} from './js/dom.js';
import {setupDropZone} from './js/drop-zone.js';
import {setupUploadForm} from './js/upload-form.js';
import {createUploadQueue} from './js/upload-queue.js';

document.documentElement.classList.add('js');

const descriptionMax = Number(document.body.dataset.descriptionMax);
const form = $('#upload-form');
const dropCard = $('#drop-card');
const zone = $('#dropzone');
const picker = $('#drop-input');
const pendingForm = $('#pending-form');

if (form && Number.isSafeInteger(descriptionMax) && descriptionMax > 0) {
  // The form's action is /d/TOKEN/upload; its tus collection is /d/TOKEN/uploads beside it.
  const endpoint = `${form.getAttribute('action')}s`;
  setupUploadForm({descriptionMax, onUploaded: () => {}});
  if (dropCard && zone && picker && pendingForm) {
    dropCard.hidden = false;
    const queue = createUploadQueue({
      form: pendingForm,
      descriptionMax,
      endpoint,
      onUploaded: () => {},
      focusHome: () => zone.focus(),
    });
    setupDropZone({zone, picker, queue});
  }
}
