/* The Share button of each file row: opens a panel under the row that makes share links
 * (expiry, download limit, optional passphrase) and lists the file's links, each with Copy
 * and Revoke. The panel's markup and each link's come from the page's <template>s. */
import {$, $$} from './dom.js';
import {announce, sessionExpired} from './announce.js';
import {copyText, showCopied} from './clipboard.js';
import {absoluteUrl, createShareLink, listShareLinks, revokeShareLink} from './links-api.js';
import {downloadsText, fillLifetimes, shareLinkState} from './link-format.js';
import {fillTemplate} from './templates.js';

/** A <li> for one share link of the JSON API. */
export function renderShareLink(link) {
  const {state, text} = shareLinkState(link);
  const item = fillTemplate('share-link-template', {
    id: String(link.id),
    url: absoluteUrl(link.url),
    state,
    status: text,
    downloads: downloadsText(link),
    protection: link.has_passphrase ? 'Passphrase' : 'No passphrase',
  }).querySelector('li');
  return item;
}

/** Handles Share for every row of `list` (as createFileList returns it), present or later. */
export function setupSharePanels(list, {maxLinkTTL}) {
  list.tbody.addEventListener('click', (event) => {
    const button = event.target.closest('button.share-btn');
    if (!button) return;
    const row = button.closest('tr.file-row');
    if (!row) return;
    const open = document.getElementById(`share-${row.dataset.id}`);
    if (open) close(open);
    else openPanel(row, button, maxLinkTTL);
  });
  // A panel leaves with its row (deleted, or the list reloaded).
  new MutationObserver(() => {
    for (const panel of $$('tr.share-row', list.tbody)) {
      const row = document.getElementById(`file-${panel.dataset.fileId}`);
      if (!row || row.nextElementSibling !== panel) panel.remove();
    }
  }).observe(list.tbody, {childList: true});
}

function shareButton(panel) {
  const row = document.getElementById(`file-${panel.dataset.fileId}`);
  return row ? $('button.share-btn', row) : null;
}

function close(panel) {
  const button = shareButton(panel);
  panel.remove();
  if (button) {
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  }
}

function openPanel(row, button, maxLinkTTL) {
  const id = row.dataset.id;
  const description = ($('.desc', row) || row).textContent.trim();
  const panel = fillTemplate('share-panel-template', {id, description}).querySelector('tr');
  row.after(panel);
  button.setAttribute('aria-expanded', 'true');

  const form = $('form.share-form', panel);
  const links = $('ul.share-links', panel);
  const error = $('.link-error', panel);
  const expiry = $('select[name="expires_in"]', form);
  const limit = $('input[name="max_downloads"]', form);
  const passphrase = $('input[name="passphrase"]', form);
  fillLifetimes(expiry, maxLinkTTL);

  const syncEmpty = () => panel.classList.toggle('has-links', links.children.length > 0);
  const fail = (failure, what) => {
    if (failure.status === 401) sessionExpired();
    error.textContent = `${what} ${failure.message}`;
  };

  $('.share-close', panel).addEventListener('click', () => close(panel));
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close(panel);
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const fields = {expires_in: Number(expiry.value)};
    if (limit.value.trim()) {
      const count = Number(limit.value);
      if (!Number.isSafeInteger(count) || count < 1) {
        error.textContent = 'The download limit must be a whole number, 1 or more.';
        limit.focus();
        return;
      }
      fields.max_downloads = count;
    }
    if (passphrase.value) fields.passphrase = passphrase.value;
    const submit = $('button[type="submit"]', form);
    submit.disabled = true;
    try {
      const link = await createShareLink(id, fields);
      const item = renderShareLink(link);
      links.prepend(item);
      syncEmpty();
      passphrase.value = '';
      $('.copy-btn', item).focus();
      announce('Share link created. Copy it to send it.');
    } catch (failure) {
      fail(failure, 'Could not create the link.');
    } finally {
      submit.disabled = false;
    }
  });

  links.addEventListener('click', async (event) => {
    const item = event.target.closest('li.link-item');
    if (!item) return;
    if (event.target.closest('.copy-btn')) {
      const field = $('.link-url', item);
      showCopied(event.target.closest('.copy-btn'), await copyText(field.value, field));
    } else if (event.target.closest('.revoke-btn')) {
      if (!window.confirm('Revoke this share link?\nWhoever has it can no longer download the file.')) return;
      error.textContent = '';
      try {
        await revokeShareLink(item.dataset.id);
      } catch (failure) {
        if (failure.status !== 404) return fail(failure, 'Could not revoke the link.');
      }
      const next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      syncEmpty();
      (next ? $('.copy-btn', next) : expiry).focus();
      announce('Share link revoked.');
    }
  });

  listShareLinks(id).then((found) => {
    links.replaceChildren(...found.map(renderShareLink));
    syncEmpty();
  }).catch((failure) => fail(failure, 'Could not load the links.'));
  syncEmpty();
  expiry.focus();
}
