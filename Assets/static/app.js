/* FileDrop upload page: the entry module. Vanilla JavaScript modules, no build step, no
 * libraries; each module under js/ does one thing, and this one wires them together.
 *
 * Everything here is progressive enhancement: without JavaScript the tutorial's form posts
 * normally, the file list is rendered by the server and "Older files" is a plain link. The
 * numbers the script needs come from the page (js/settings.js), the markup of the rows it adds
 * from the page's <template> elements (js/templates.js).
 */
import {$} from './js/dom.js';
import {setupDropLinks} from './js/drop-links.js';
import {setupDropZone} from './js/drop-zone.js';
import {setupFileDelete} from './js/file-delete.js';
import {setupFileEdit} from './js/file-edit.js';
import {setupSearch} from './js/file-search.js';
import {createFileList} from './js/file-list.js';
import {readSettings} from './js/settings.js';
import {setupSharePanels} from './js/share-panel.js';
import {setupUploadForm} from './js/upload-form.js';
import {createUploadQueue} from './js/upload-queue.js';

document.documentElement.classList.add('js');

const settings = readSettings();
const searchInput = $('#search-input');
const list = createFileList({...settings, q: searchInput ? searchInput.value.trim() : ''});
const dropLinks = setupDropLinks(settings);
const refreshList = (ids) => {
  if (list) list.refresh(ids);
};
// Guests send files through drop links while the page waits in another tab: coming back to it
// shows what each drop link has received.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && dropLinks) dropLinks.refresh();
});
if (list) {
  setupFileDelete(list);
  setupFileEdit(list, settings);
  setupSearch(list);
  setupSharePanels(list, settings);
}

setupUploadForm({descriptionMax: settings.descriptionMax, onUploaded: refreshList});

const dropCard = $('#drop-card');
const zone = $('#dropzone');
const picker = $('#drop-input');
const pendingForm = $('#pending-form');
if (dropCard && zone && picker && pendingForm) {
  dropCard.hidden = false;
  const queue = createUploadQueue({
    form: pendingForm,
    descriptionMax: settings.descriptionMax,
    onUploaded: refreshList,
    focusHome: () => zone.focus(),
  });
  setupDropZone({zone, picker, queue});
}
