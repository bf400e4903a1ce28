/* Copy to clipboard: the asynchronous Clipboard API where the page may use it (HTTPS or
 * localhost), else the old selection-and-copy command on the field that shows the text. */

/** Copies `text`; `field` (an <input> showing it) is selected as a fallback. Resolves to
 * whether the copy worked. */
export async function copyText(text, field) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) {
      // Denied (no focus, no permission): fall through to the selection.
    }
  }
  if (!field) return false;
  field.focus();
  field.select();
  try {
    return document.execCommand('copy');
  } catch (_) {
    return false;
  }
}

/** Shows "Copied" (or "Press Ctrl+C") on `button` for a moment after a copy. */
export function showCopied(button, worked) {
  const label = button.textContent;
  button.textContent = worked ? 'Copied' : 'Press Ctrl+C';
  button.classList.toggle('is-copied', worked);
  window.setTimeout(() => {
    button.textContent = label;
    button.classList.remove('is-copied');
  }, 1800);
}
