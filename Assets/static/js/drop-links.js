/* The "Drop links" card: makes drop links (label, how long open, most files, most bytes),
 * lists every user's drop links with what each received so far, copies and revokes them. */
import {$} from './dom.js';
import {announce, sessionExpired} from './announce.js';
import {copyText, showCopied} from './clipboard.js';
import {absoluteUrl, createDropLink, listDropLinks, revokeDropLink} from './links-api.js';
import {dropLimitsText, dropLinkState, fillLifetimes, receivedText} from './link-format.js';
import {fillTemplate} from './templates.js';

/** A <li> for one drop link of the JSON API. */
export function renderDropLink(link) {
  const {state, text} = dropLinkState(link);
  return fillTemplate('drop-link-template', {
    id: String(link.id),
    label: String(link.label),
    url: absoluteUrl(link.url),
    state,
    status: text,
    received: receivedText(link),
    limits: dropLimitsText(link),
  }).querySelector('li');
}

/** Sets up the card, if the page has it; maxLinkTTL: the server's --max-link-ttl. */
export function setupDropLinks({maxLinkTTL}) {
  const card = $('#drops-card');
  const form = $('#drop-link-form');
  const list = $('#drop-links');
  const error = $('#drop-link-error');
  if (!card || !form || !list || !error) return null;
  card.hidden = false;
  const label = $('input[name="label"]', form);
  const expiry = $('select[name="expires_in"]', form);
  const maxFiles = $('input[name="max_files"]', form);
  const maxMegabytes = $('input[name="max_mb"]', form);
  fillLifetimes(expiry, maxLinkTTL);

  const syncEmpty = () => card.classList.toggle('has-links', list.children.length > 0);
  const fail = (failure, what) => {
    if (failure.status === 401) sessionExpired();
    error.textContent = `${what} ${failure.message}`;
  };

  /** The form's fields for POST /drops, or [message, field] for what is wrong. */
  function fields() {
    const result = {label: label.value.trim(), expires_in: Number(expiry.value)};
    if (!result.label) return [null, ['Enter a label: what the files are for.', label]];
    if (maxFiles.value.trim()) {
      const count = Number(maxFiles.value);
      if (!Number.isSafeInteger(count) || count < 1) return [null, ['Most files must be a whole number, 1 or more.', maxFiles]];
      result.max_files = count;
    }
    if (maxMegabytes.value.trim()) {
      const bytes = Math.round(Number(maxMegabytes.value) * 1e6);
      if (!Number.isSafeInteger(bytes) || bytes < 1) return [null, ['Most MB must be a number above 0.', maxMegabytes]];
      result.max_bytes = bytes;
    }
    return [result, null];
  }

  async function refresh() {
    try {
      list.replaceChildren(...(await listDropLinks()).map(renderDropLink));
      syncEmpty();
    } catch (failure) {
      fail(failure, 'Could not load the drop links.');
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const [body, problem] = fields();
    if (problem) {
      error.textContent = problem[0];
      problem[1].focus();
      return;
    }
    const submit = $('button[type="submit"]', form);
    submit.disabled = true;
    try {
      const item = renderDropLink(await createDropLink(body));
      list.prepend(item);
      syncEmpty();
      form.reset();
      fillLifetimes(expiry, maxLinkTTL);
      $('.copy-btn', item).focus();
      announce('Drop link created. Copy it to send it.');
    } catch (failure) {
      fail(failure, 'Could not create the drop link.');
    } finally {
      submit.disabled = false;
    }
  });

  list.addEventListener('click', async (event) => {
    const item = event.target.closest('li.link-item');
    if (!item) return;
    if (event.target.closest('.copy-btn')) {
      const field = $('.link-url', item);
      showCopied(event.target.closest('.copy-btn'), await copyText(field.value, field));
    } else if (event.target.closest('.revoke-btn')) {
      const name = $('.link-title', item).textContent;
      if (!window.confirm(`Revoke the drop link “${name}”?\nThe files it received stay.`)) return;
      error.textContent = '';
      try {
        await revokeDropLink(item.dataset.id);
      } catch (failure) {
        if (failure.status !== 404) return fail(failure, 'Could not revoke the drop link.');
      }
      const next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      syncEmpty();
      (next ? $('.copy-btn', next) : label).focus();
      announce(`Drop link “${name}” revoked.`);
    }
  });

  refresh();
  return {refresh};
}
