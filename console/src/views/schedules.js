// The scheduled side of Executions: the current hook config's scheduler jobs with their next
// runs (computed by the server, with the scheduler's own cron code), and the dead letters:
// executions the executor gave up on, which the admin can send back to the executions queue.
import { useEffect, useState } from "preact/hooks";
import { formatTime } from "../api.js";
import { ErrorLine, html, useAction, useId } from "../ui.js";

/** "in 3 h 5 min" from now to ``at`` (epoch ms); "" when not in the future. */
export function fromNow(at, now = Date.now()) {
  const minutes = Math.round((at - now) / 60000);
  if (!(minutes > 0)) return "";
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = [days && `${days} d`, hours && `${hours} h`, rest && `${rest} min`].filter(Boolean);
  return `in ${parts.join(" ")}`;
}

export function Schedules({ kii }) {
  const [found, setFound] = useState(null);
  const [run, busy, error] = useAction();
  const title = useId("schedules");
  const load = () => run(async () => setFound(await kii.get(`${kii.app}/hooks/schedules`)));
  useEffect(() => {
    load();
  }, []);
  return html`<section aria-labelledby=${title}>
    <div class="row heading-row">
      <h2 id=${title}>Schedules</h2>
      <button type="button" disabled=${busy} onClick=${load}>Refresh schedules</button>
    </div>
    <${ErrorLine} error=${error} />
    ${found && found.schedules.length === 0 &&
    html`<p class="empty">No scheduler jobs in the current hook config.</p>`}
    ${found && found.schedules.length > 0 &&
    html`<p class="fine">Jobs of version <code>${found.versionID}</code>, in UTC.</p>
      <div class="scroll">
        <table class="schedules" aria-label="Schedules" aria-busy=${busy}>
          <thead><tr><th scope="col">Job</th><th scope="col">Cron</th><th scope="col">Endpoint</th><th scope="col">Next run</th></tr></thead>
          <tbody>
            ${found.schedules.map(
              (s) => html`<tr>
                <td><code>${s.name}</code></td>
                <td><code>${s.cron}</code></td>
                <td><code>${s.endpoint}</code></td>
                <td>${s.nextRunAt ? html`${formatTime(s.nextRunAt)} <span class="when">${fromNow(s.nextRunAt)}</span>` : "never"}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>`}
  </section>`;
}

export function DeadLetters({ kii }) {
  const [letters, setLetters] = useState(null);
  const [done, setDone] = useState(null);
  const [run, busy, error] = useAction();
  const title = useId("dead-letters");
  const load = () => run(async () => setLetters((await kii.get(`${kii.app}/hooks/dead-letters`)).deadLetters));
  useEffect(() => {
    load();
  }, []);
  async function redrive(letter) {
    await run(async () => {
      await kii.request("POST", `${kii.app}/hooks/dead-letters/${encodeURIComponent(letter.letterID)}/redrive`);
      setDone(letter.letterID);
      setLetters((await kii.get(`${kii.app}/hooks/dead-letters`)).deadLetters);
    });
  }
  return html`<section aria-labelledby=${title}>
    <div class="row heading-row">
      <h2 id=${title}>Dead letters</h2>
      <button type="button" disabled=${busy} onClick=${load}>Refresh dead letters</button>
    </div>
    <${ErrorLine} error=${error} />
    <p role="status">${done && html`Sent <code>${done}</code> back to the executions queue.`}</p>
    ${letters && letters.length === 0 && html`<p class="empty">No dead letters: the executor gave up on nothing.</p>`}
    ${letters && letters.length > 0 &&
    html`<div class="scroll">
      <table class="letters" aria-label="Dead letters" aria-busy=${busy}>
        <thead><tr><th scope="col">Sent</th><th scope="col">Trigger</th><th scope="col">Endpoint</th><th scope="col">Claim</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
        <tbody>
          ${letters.map(
            (l) => html`<tr>
              <td>${formatTime(l.sentAt)}</td>
              <td><span class="badge">${l.trigger}</span></td>
              <td><code>${l.endpoint}</code></td>
              <td><code>${l.claim}</code></td>
              <td class="actions"><button type="button" disabled=${busy} aria-label=${`Redrive ${l.letterID}`}
                onClick=${() => redrive(l)}>Redrive</button></td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`}
  </section>`;
}
