/* The Delete button of each row: asks, deletes through the API, removes the row and moves the
 * focus to a neighbour. */
import {$} from './dom.js';
import {announce, sessionExpired, showNotice} from './announce.js';
import {deleteFile} from './api.js';

/** Handles Delete for every row of `list` (as createFileList returns it), present or later. */
export function setupFileDelete(list) {
  list.tbody.addEventListener('click', async (event) => {
    const button = event.target.closest('button.delete-btn');
    if (!button) return;
    const row = button.closest('tr');
    const id = button.dataset.id || (row && row.dataset.id);
    if (!row || !id) return;
    const description = ($('.desc', row) || row).textContent.trim();
    if (!window.confirm(`Delete “${description}”?\nThis cannot be undone.`)) return;
    button.disabled = true;
    row.classList.add('is-removing');
    try {
      await deleteFile(id);
    } catch (error) {
      // 404: someone else deleted it meanwhile; the row goes all the same.
      if (error.status !== 404) {
        button.disabled = false;
        row.classList.remove('is-removing');
        if (error.status === 401) sessionExpired();
        else showNotice('error', `Could not delete “${description}”. ${error.message}`);
        return;
      }
    }
    const rows = list.rows();
    const index = rows.indexOf(row);
    const neighbour = rows[index + 1] || rows[index - 1];
    row.remove();
    list.syncEmptyState();
    const target = neighbour ? $('.delete-btn', neighbour) : $('#files-heading');
    if (target) {
      if (!neighbour) target.setAttribute('tabindex', '-1');
      target.focus();
    }
    announce(`Deleted “${description}”.`);
  });
}
