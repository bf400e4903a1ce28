/* A small client of the tus 1.0.0 resumable upload protocol (tus.io), for the drop zone:
 *   POST   /uploads       creates an upload (Upload-Length, Upload-Metadata) -> 201 + Location
 *   HEAD   /uploads/ID    where it stands: Upload-Offset (and, once complete, Location /files/ID)
 *   PATCH  /uploads/ID    the next bytes from Upload-Offset -> 204 + the new Upload-Offset
 *   DELETE /uploads/ID    termination
 * The collection is /uploads for a signed-in user, /d/TOKEN/uploads on a drop link's page (a
 * guest is not told the stored file's id: no Location /files/ID there; an upload is complete
 * when its offset reaches its length).
 * The file goes in PATCH requests of PATCH_SIZE bytes, sent with XMLHttpRequest (only it
 * reports upload progress). When the network or the server goes away, it asks where the upload
 * stands and goes on from there, retrying like tus-js-client: after 0 s, 1 s, 3 s and 5 s, then
 * every 10 s for as long as the page is open. Each upload's URL is remembered (tus-memory.js),
 * so that a reloaded page can resume it.
 *
 * Same origin, cookie auth; the browser adds Origin to POST, PATCH and DELETE, which the
 * server's CSRF rule checks. Our own module: tus-js-client ships only through npm. */
import {HttpError, errorText} from './errors.js';
import {forget, remember} from './tus-memory.js';

const DEFAULT_ENDPOINT = '/uploads';

/** Bytes per PATCH: large enough that request overhead vanishes, small enough that a proxy's
 * buffering or a cut costs little (the server also keeps what arrived of a cut PATCH). */
export const PATCH_SIZE = 16 * 1024 * 1024;
const RETRY_DELAYS = [0, 1000, 3000, 5000];
const RETRY_EVERY = 10000;
const TUS = {'Tus-Resumable': '1.0.0'};

/** Standard base64 of a text's UTF-8 bytes, as Upload-Metadata values are. */
function base64(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** One request: {done, abort}; done resolves to {status, header(name), body} (status 0: no
 * answer) or {aborted: true}. onProgress(sent) follows the body going out. */
function send(method, url, {headers = {}, body = null, onProgress = null} = {}) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve) => {
    xhr.open(method, url);
    for (const [name, value] of Object.entries({Accept: 'application/json', ...TUS, ...headers})) {
      xhr.setRequestHeader(name, value);
    }
    if (onProgress) xhr.upload.addEventListener('progress', (e) => onProgress(e.loaded));
    const answer = () => resolve({status: xhr.status, header: (name) => xhr.getResponseHeader(name), body: xhr.responseText});
    xhr.addEventListener('load', answer);
    xhr.addEventListener('error', () => resolve({status: 0, header: () => null, body: ''}));
    xhr.addEventListener('timeout', () => resolve({status: 0, header: () => null, body: ''}));
    xhr.addEventListener('abort', () => resolve({aborted: true}));
    xhr.send(body);
  });
  return {done, abort: () => xhr.abort()};
}

/** The stored file's id in `Location: /files/ID`, or null. */
function fileIdOf(location) {
  const match = /\/files\/(\d+)$/.exec(location || '');
  return match ? Number(match[1]) : null;
}

/** Where an upload stands: {offset, length, complete, fileId} (fileId: once complete, for a
 * signed-in user), or null when the server does not know it (expired, terminated, another
 * user's). Throws HttpError otherwise. */
export async function probe(url) {
  const answer = await send('HEAD', url).done;
  if (answer.status === 200) {
    const offset = Number(answer.header('Upload-Offset'));
    const length = Number(answer.header('Upload-Length'));
    return {offset, length, complete: offset === length, fileId: fileIdOf(answer.header('Location'))};
  }
  if (answer.status === 404 || answer.status === 410 || answer.status === 403) return null;
  throw new HttpError(answer.status, errorText(answer.status, answer.body));
}

/** Terminates an upload (DELETE): its bytes are removed. Resolves whatever the answer. */
export async function terminate(url) {
  await send('DELETE', url).done;
}

/** Worth retrying: no answer, a conflict (another request still winding up, or an offset that
 * moved), too many requests, a checksum problem or a server error. */
function retryable(error) {
  const status = error instanceof HttpError ? error.status : 0;
  return !error.final && (status === 0 || status === 409 || status === 423 || status === 429 || status === 460 || status >= 500);
}

/**
 * One file's resumable upload. `start()` runs it until it completes ({fileId}), is paused
 * ({paused: true}) or cancelled ({cancelled: true}), or fails for good (rejects with an
 * HttpError); `start()` again resumes it. endpoint: the tus collection (/uploads, or a drop
 * link's /d/TOKEN/uploads); url: an upload made earlier (a resumed one);
 * expiresIn: the stored file's lifetime in seconds, as text ('' for the server's default).
 * onProgress(loaded, total); onWaiting(milliseconds) before a retry.
 */
export class TusUpload {
  constructor(file, {description, endpoint = DEFAULT_ENDPOINT, expiresIn = '', url = null, onProgress = () => {},
    onWaiting = () => {}}) {
    this.file = file;
    this.endpoint = endpoint;
    this.description = description;
    this.expiresIn = expiresIn; // seconds as text; '' for the server's default
    this.url = url;
    this.offset = null; // unknown: ask the server
    this.onProgress = onProgress;
    this.onWaiting = onWaiting;
    this.stopping = null; // 'pause' | 'cancel' while stopping
    this.request = null;
    this.wake = null;
    this.running = null;
  }

  start() {
    if (!this.running) {
      this.stopping = null;
      this.running = this.run().finally(() => { this.running = null; });
    }
    return this.running;
  }

  /** Stops sending; the server keeps what it received. `start()` goes on from there. */
  pause() {
    this.interrupt('pause');
  }

  /** Stops and removes the upload on the server; forgets it. */
  async cancel() {
    this.interrupt('cancel');
    if (this.running) await this.running.catch(() => {});
    if (this.url) await terminate(this.url);
    forget(this.file, this.endpoint);
    this.url = null;
  }

  interrupt(why) {
    this.stopping = why;
    if (this.request) this.request.abort();
    if (this.wake) this.wake();
  }

  async run() {
    let attempt = 0;
    for (;;) {
      if (this.stopping) return this.stopping === 'pause' ? {paused: true} : {cancelled: true};
      try {
        if (!this.url) await this.create();
        if (this.offset === null) {
          const state = await probe(this.url);
          if (!state) { // gone (expired or terminated): start again with a new upload
            forget(this.file, this.endpoint);
            this.url = null;
            continue;
          }
          this.offset = state.offset;
          this.onProgress(this.offset, this.file.size);
          if (state.complete) return this.finished(state.fileId);
        }
        const outcome = await this.patch();
        if (outcome && outcome.complete) return this.finished(outcome.fileId);
        attempt = 0; // progress was made: the back-off starts again
      } catch (error) {
        this.offset = null; // ask the server where the upload stands before sending more
        if (this.stopping) continue;
        if (!retryable(error)) throw error;
        const delay = attempt < RETRY_DELAYS.length ? RETRY_DELAYS[attempt] : RETRY_EVERY;
        attempt += 1;
        this.onWaiting(delay);
        await this.sleep(delay);
      }
    }
  }

  finished(fileId) {
    forget(this.file, this.endpoint);
    this.onProgress(this.file.size, this.file.size);
    return {fileId};
  }

  async create() {
    const metadata = [['filename', this.file.name], ['description', this.description], ['filetype', this.file.type],
      ['expires_in', this.expiresIn]]
      .filter(([, value]) => value)
      .map(([key, value]) => `${key} ${base64(value)}`).join(',');
    const answer = await this.call('POST', this.endpoint, {
      headers: {'Upload-Length': String(this.file.size), 'Upload-Metadata': metadata},
    });
    if (answer.status !== 201) {
      const error = new HttpError(answer.status, errorText(answer.status, answer.body));
      error.final = answer.status > 0 && answer.status < 500; // 409, 413, 400: the user must act
      throw error;
    }
    this.url = new URL(answer.header('Location'), window.location.href).pathname;
    this.offset = 0;
    remember(this.file, this.endpoint, this.url, this.description);
  }

  /** Sends the next PATCH; returns {complete, fileId} (fileId: null for a guest), or null when the
   * upload is gone and must start again. */
  async patch() {
    const start = this.offset;
    const end = Math.min(start + PATCH_SIZE, this.file.size);
    const answer = await this.call('PATCH', this.url, {
      headers: {'Upload-Offset': String(start), 'Content-Type': 'application/offset+octet-stream'},
      body: this.file.slice(start, end),
      onProgress: (sent) => this.onProgress(start + sent, this.file.size),
    });
    if (answer.status === 404 || answer.status === 410) { // gone meanwhile: start again
      forget(this.file, this.endpoint);
      this.url = null;
      this.offset = null;
      return null;
    }
    if (answer.status !== 204) throw new HttpError(answer.status, errorText(answer.status, answer.body));
    this.offset = Number(answer.header('Upload-Offset'));
    return {complete: this.offset === this.file.size, fileId: fileIdOf(answer.header('Location'))};
  }

  /** A request that pause() and cancel() can abort. */
  async call(method, url, options) {
    this.request = send(method, url, options);
    const answer = await this.request.done;
    this.request = null;
    if (answer.aborted) throw new HttpError(0, 'Stopped.');
    return answer;
  }

  sleep(milliseconds) {
    return new Promise((resolve) => {
      const timer = window.setTimeout(done, milliseconds);
      function done() {
        window.clearTimeout(timer);
        resolve();
      }
      this.wake = () => { this.wake = null; done(); };
    });
  }
}
