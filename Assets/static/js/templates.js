/* Fills the page's <template> elements. The server puts them in the page from the same files it
 * renders its own markup from (Assets/templates/), placeholders left in: `{{name}}` in
 * attribute values and text. A clone is filled through the DOM (attribute values, text node
 * data), never parsed as HTML, so values need no escaping and cannot become markup. */

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

/** A filled clone of <template id=ID>'s content, as a DocumentFragment. Every placeholder must
 * have a value: a template and a script that disagree fail loudly, not with a blank. */
export function fillTemplate(id, values) {
  const template = document.getElementById(id);
  if (!(template instanceof HTMLTemplateElement)) {
    throw new Error(`the page has no <template id="${id}">`);
  }
  const fill = (text) => {
    if (text.includes('{{{')) throw new Error(`#${id}: {{{raw}}} placeholders are the server's only`);
    return text.replace(PLACEHOLDER, (_, name) => {
      if (!Object.hasOwn(values, name)) throw new Error(`#${id}: no value for {{${name}}}`);
      return String(values[name]);
    });
  };
  const fragment = template.content.cloneNode(true);
  const walker = document.createTreeWalker(fragment, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeType === Node.TEXT_NODE) {
      if (node.data.includes('{{')) node.data = fill(node.data);
    } else {
      for (const attribute of Array.from(node.attributes)) {
        if (attribute.value.includes('{{')) attribute.value = fill(attribute.value);
      }
    }
  }
  return fragment;
}
