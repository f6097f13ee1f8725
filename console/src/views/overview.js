// Overview: where the app stands — its server code, how its recent runs went, the last
// lines of its developer log — from the same admin calls as the other views.
import { useEffect, useState } from "preact/hooks";
import { formatTime } from "../api.js";
import { ErrorLine, html, useAction } from "../ui.js";
import { LocalApps } from "./apps.js";

const RECENT = 100;

function countBy(items, key) {
  const counts = {};
  for (const item of items) counts[item[key]] = (counts[item[key]] || 0) + 1;
  return Object.entries(counts).sort((a, b) => b[1] - a[1]);
}

export function OverviewView({ kii, signIn }) {
  const [state, setState] = useState(null);
  const [run, busy, error] = useAction();
  useEffect(() => {
    run(async () => {
      const [versions, executions, log] = await Promise.all([
        kii.get(`${kii.app}/server-code/versions`),
        kii.get(`${kii.app}/hooks/executions?bestEffortLimit=${RECENT}`),
        kii.get(`${kii.app}/server-code/logs?limit=10`),
      ]);
      setState({ versions: versions.versions, executions: executions.executions || [], log: log.logs });
    });
  }, []);
  if (!state) return html`<div aria-busy=${busy}><${ErrorLine} error=${error} /></div>`;
  const current = state.versions.find((v) => v.current);
  const failed = state.executions.filter((e) => e.status === "FAILED" || e.status === "INTERRUPTED");
  return html`<div class="overview">
    <${ErrorLine} error=${error} />
    <div class="cards">
      <section class="card" aria-labelledby="ov-code">
        <h2 id="ov-code">Server code</h2>
        <p><strong>${state.versions.length}</strong> version${state.versions.length === 1 ? "" : "s"}</p>
        <p>${current ? html`current <code>${current.versionID}</code>, ${formatTime(current.createdAt)}` : "none current"}</p>
        <a href="#/server-code">Server code →</a>
      </section>
      <section class="card" aria-labelledby="ov-runs">
        <h2 id="ov-runs">Recent hook runs</h2>
        <p><strong>${state.executions.length}</strong> in the last ${RECENT} at most</p>
        <ul class="counts" aria-label="Runs by status">
          ${countBy(state.executions, "status").map(([k, n]) => html`<li><span class="badge">${k}</span> ${n}</li>`)}
        </ul>
        <ul class="counts" aria-label="Runs by trigger">
          ${countBy(state.executions, "trigger").map(([k, n]) => html`<li><code>${k}</code> ${n}</li>`)}
        </ul>
        <a href="#/executions">Executions →</a>
      </section>
      <section class="card" aria-labelledby="ov-failed">
        <h2 id="ov-failed">Recent failures</h2>
        ${failed.length === 0
          ? html`<p class="empty">None.</p>`
          : html`<ul>${failed.slice(0, 5).map(
              (e) => html`<li>${formatTime(e.startedAt)} <code>${e.endpoint}</code>: ${(e.error && e.error.message) || e.status}</li>`,
            )}</ul>`}
      </section>
    </div>
    <h2>Developer log</h2>
    ${state.log.length === 0
      ? html`<p class="empty">Nothing logged yet.</p>`
      : html`<ol class="logs" aria-label="Latest log lines">
          ${[...state.log].reverse().map(
            (l) => html`<li class=${`level-${(l.level || "INFO").toLowerCase()}`}>
              <span class="when">${formatTime(l.time)}</span> <span class="level">${l.level}</span>
              <span class="message">${l.message}</span>
            </li>`,
          )}
        </ol>`}
    <p><a href="#/live">Follow the log live →</a></p>
    <${LocalApps} kii=${kii} signIn=${signIn} />
  </div>`;
}
