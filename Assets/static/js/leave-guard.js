/* Asks before the page is left while work that leaving would lose is running (an upload
 * going out). Each piece of such work holds the page and releases it when it ends. */

let holds = 0;

window.addEventListener('beforeunload', (event) => {
  if (holds > 0) {
    event.preventDefault();
    event.returnValue = '';
  }
});

/** Holds the page; returns the function that releases this hold (calling it twice is fine). */
export function holdPage() {
  holds += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holds -= 1;
  };
}
