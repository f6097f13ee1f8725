// Live: the developer log as it grows, while this view is open: every invocation, hook or
// manual, and its console lines. Where the server holds a request until the next line (the
// local stack: `wait`), each line shows as it comes; elsewhere (AWS) the log is polled every
// two seconds. Chalice's local server sends a response whole, so it cannot stream
// server-sent events: long polling is what it can do (docs/console.md).
import { useEffect, useRef, useState } from "preact/hooks";
import { formatTime } from "../api.js";
import { ErrorLine, html } from "../ui.js";

const POLL_MS = 2000;
const WAIT_S = 20;
const KEEP = 500;

export function LiveView({ kii }) {
  const [lines, setLines] = useState([]);
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState(null);
  const [held, setHeld] = useState(null); // does the server hold a request until the next line?
  const since = useRef(null);

  useEffect(() => {
    if (paused) return undefined;
    let stopped = false;
    let timer;
    const abort = new AbortController();
    async function poll() {
      let again = POLL_MS;
      try {
        const first = since.current === null;
        const query = first ? "limit=50" : `since=${since.current}&wait=${WAIT_S}`;
        const { data: page } = await kii.request("GET", `${kii.app}/server-code/logs?${query}`, { signal: abort.signal });
        since.current = page.last;
        if (page.logs.length) setLines((old) => [...page.logs.reverse(), ...old].slice(0, KEEP));
        if (!first) setHeld(page.wait > 0);
        if (first || page.wait > 0) again = 0; // the server waited for this answer: ask again now
        setError(null);
      } catch (e) {
        if (stopped) return;
        setError(e);
      }
      if (!stopped) timer = setTimeout(poll, again);
    }
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
    };
  }, [paused]);

  return html`<div class="live">
    <div class="row">
      <button type="button" aria-pressed=${paused} onClick=${() => setPaused(!paused)}>${paused ? "Resume" : "Pause"}</button>
      <span role="status">${paused
        ? "Paused"
        : `Following the developer log${held === true ? ": each line as it comes" : held === false ? ", read every 2 s" : ""}`}</span>
    </div>
    <${ErrorLine} error=${error} />
    <ol class="logs live-lines" aria-label="Developer log" aria-live="polite">
      ${lines.map(
        (l, i) => html`<li class=${`level-${(l.level || "INFO").toLowerCase()}`} key=${`${l.seq}-${i}`}>
          <span class="when">${formatTime(l.time)}</span> <span class="level">${l.level}</span>
          <span class="key">${l.key}</span> <span class="message">${l.message}</span>
        </li>`,
      )}
    </ol>
    ${lines.length === 0 && html`<p class="empty">Nothing yet.</p>`}
  </div>`;
}
