/* The drop zone: files dropped on it, or anywhere on the page that is not a file input, or
 * picked with its own chooser (click, Enter or Space) join the upload queue. */

/** zone: the focusable drop area; picker: its <input type=file multiple>; queue: as
 * createUploadQueue returns it. */
export function setupDropZone({zone, picker, queue}) {
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
    queue.add(picker.files, true);
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
    queue.add(event.dataTransfer.files);
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
    queue.add(event.dataTransfer.files);
  });
}
