/* The numbers the page script needs from the server, read from the page's data attributes
 * (Pages.index writes them), so none of them is also written down here:
 *   data-page-size        files per page of the list (PageRoutes.pageSize)
 *   data-description-max  longest description in Unicode scalars (UploadDescription.maxScalars)
 *   data-max-link-ttl     longest life of a share or drop link in seconds (--max-link-ttl)
 */

function positiveInteger(element, name) {
  const text = element.getAttribute(`data-${name}`);
  const value = Number(text);
  if (text === null || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`the page has no valid data-${name} attribute (found ${JSON.stringify(text)})`);
  }
  return value;
}

/** Reads the settings from the element that carries them (the page's <body>). */
export function readSettings(element = document.body) {
  return Object.freeze({
    pageSize: positiveInteger(element, 'page-size'),
    descriptionMax: positiveInteger(element, 'description-max'),
    maxLinkTTL: positiveInteger(element, 'max-link-ttl'),
  });
}
