// Live: the developer log as it grows (polled every two seconds while this view is open):
// every invocation, hook or manual, and its console lines.
import { useEffect, useRef, useState } from "preact/hooks";
import { formatTime } from "../api.js";
import { ErrorLine, html } from "../ui.js";

const POLL_MS = 2000;
const KEEP = 500;

export function LiveView({ kii }) {
  const [lines, setLines] = useState([]);
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState(null);
  const since = useRef(null);

  useEffect(() => {
    if (paused) return undefined;
    let stopped = false;
    let timer;
    async function poll() {
      try {
        const after = since.current === null ? "limit=50" : `since=${since.current}`;
        const page = await kii.get(`${kii.app}/server-code/logs?${after}`);
        since.current = page.last;
        if (page.logs.length) setLines((old) => [...page.logs.reverse(), ...old].slice(0, KEEP));
        setError(null);
      } catch (e) {
        setError(e);
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    }
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [paused]);

  return html`<div class="live">
    <div class="row">
      <button type="button" aria-pressed=${paused} onClick=${() => setPaused(!paused)}>${paused ? "Resume" : "Pause"}</button>
      <span role="status">${paused ? "Paused" : "Following the developer log"}</span>
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
