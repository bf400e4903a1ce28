/* The numbers the page script needs from the server, read from the page's data attributes
 * (IndexPage writes them), so none of them is also written down here:
 *   data-page-size        files per page of the list (PageRoutes.pageSize)
 *   data-description-max  longest description in Unicode scalars (UploadDescription.maxScalars)
 *   data-max-file-ttl     longest lifetime of a file in seconds, 0: no cap (--max-file-ttl)
 *   data-search-max       longest search text in Unicode scalars (FileSearch.maxLength)
 *   data-max-link-ttl     longest life of a share or drop link in seconds (--max-link-ttl)
 */

function integer(element, name, least) {
  const text = element.getAttribute(`data-${name}`);
  const value = Number(text);
  if (text === null || !Number.isSafeInteger(value) || value < least) {
    throw new Error(`the page has no valid data-${name} attribute (found ${JSON.stringify(text)})`);
  }
  return value;
}

/** Reads the settings from the element that carries them (the page's <body>). */
export function readSettings(element = document.body) {
  return Object.freeze({
    pageSize: integer(element, 'page-size', 1),
    descriptionMax: integer(element, 'description-max', 1),
    maxFileTTL: integer(element, 'max-file-ttl', 0),
    searchMax: integer(element, 'search-max', 1),
    maxLinkTTL: integer(element, 'max-link-ttl', 1),
  });
}
