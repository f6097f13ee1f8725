// Executions: one timeline of every run. Hooks, schedules and Thing-IF triggers come from
// GET /hooks/executions; manual invocations (which keep no execution record) from the
// developer log's invoke lines. Filters go to the API where it has them.
import { useEffect, useState } from "preact/hooks";
import { formatTime, pretty } from "../api.js";
import { ErrorLine, Field, Select, html, useAction } from "../ui.js";
import { LogLines } from "./servercode.js";
import { DeadLetters, Schedules } from "./schedules.js";

const MANUAL = "MANUAL";
const RUNNING_POLL_MS = 2000;
const KINDS = [
  ["", "every trigger"],
  [MANUAL, "manual (REST)"],
  ["SCHEDULE", "schedules"],
  ["THING_IF", "Thing-IF triggers"],
  ["DATA_OBJECT_CREATED", "DATA_OBJECT_CREATED"],
  ["DATA_OBJECT_UPDATED", "DATA_OBJECT_UPDATED"],
  ["DATA_OBJECT_DELETED", "DATA_OBJECT_DELETED"],
  ["USER_CREATED", "USER_CREATED"],
];
const STATUSES = [["", "any status"], ["SUCCESS", "SUCCESS"], ["FAILED", "FAILED"], ["RUNNING", "RUNNING"], ["INTERRUPTED", "INTERRUPTED"]];

/** A developer-log invoke line (and its console lines) as a timeline entry. */
function manualRun(line, lines) {
  return {
    executionID: line.executionID,
    trigger: MANUAL,
    endpoint: line.entryName,
    versionID: line.versionID,
    startedAt: line.time,
    durationMs: line.durationMs,
    status: line.level === "ERROR" ? "FAILED" : "SUCCESS",
    error: line.level === "ERROR" ? { message: line.message } : undefined,
    logs: lines.filter((l) => l.key === "servercode.log" && l.executionID === line.executionID),
  };
}

export function ExecutionsView({ kii }) {
  const [trigger, setTrigger] = useState("");
  const [status, setStatus] = useState("");
  const [endpoint, setEndpoint] = useState("");
  const [entries, setEntries] = useState([]);
  const [next, setNext] = useState(null);
  const [open, setOpen] = useState(null);
  const [run, busy, error] = useAction();

  async function hookRuns(key) {
    if (trigger === MANUAL) return { executions: [] };
    const query = new URLSearchParams({ bestEffortLimit: "50" });
    if (trigger) query.set("trigger", trigger);
    if (status) query.set("status", status);
    if (endpoint) query.set("endpoint", endpoint);
    if (key) query.set("paginationKey", key);
    return kii.get(`${kii.app}/hooks/executions?${query}`);
  }
  async function manualRuns(known) {
    if (trigger && trigger !== MANUAL) return [];
    const { logs } = await kii.get(`${kii.app}/server-code/logs?limit=500`);
    return logs
      .filter((l) => l.key === "servercode.invoke" && l.trigger === "server_code" && !known.has(l.executionID))
      .map((l) => manualRun(l, logs))
      .filter((e) => (!status || e.status === status) && (!endpoint || e.endpoint === endpoint));
  }
  async function load(key = null) {
    await run(async () => {
      const page = await hookRuns(key);
      const hooks = page.executions || [];
      const known = new Set([...hooks, ...(key ? entries : [])].map((e) => e.executionID));
      const manual = key ? [] : await manualRuns(known);
      const merged = [...(key ? entries : []), ...hooks, ...manual];
      merged.sort((a, b) => b.startedAt - a.startedAt);
      setEntries(merged);
      setNext(page.nextPaginationKey || null);
    });
  }
  useEffect(() => {
    load();
  }, []);
  // A run still going is looked at again until it finishes.
  useEffect(() => {
    if (busy || next || !entries.some((e) => e.status === "RUNNING")) return undefined;
    const timer = setTimeout(() => load(), RUNNING_POLL_MS);
    return () => clearTimeout(timer);
  }, [entries, busy]);

  return html`<div class="executions">
    <${Schedules} kii=${kii} />
    <${DeadLetters} kii=${kii} />
    <h2>Timeline</h2>
    <form class="row" aria-label="Filter executions" onSubmit=${(e) => {
      e.preventDefault();
      load();
    }}>
      <${Select} label="Trigger" name="trigger" value=${trigger} onChange=${setTrigger} options=${KINDS} />
      <${Select} label="Status" name="status" value=${status} onChange=${setStatus} options=${STATUSES} />
      <${Field} label="Endpoint" name="endpoint" value=${endpoint} onInput=${setEndpoint} />
      <button type="submit" disabled=${busy}>Refresh</button>
    </form>
    <${ErrorLine} error=${error} />
    <ol class="timeline" aria-label="Timeline" aria-busy=${busy}>
      ${entries.map(
        (e) => html`<li class=${`run status-${(e.status || "").toLowerCase()}`}>
          <button type="button" class="run-summary" aria-expanded=${open === e.executionID}
            onClick=${() => setOpen(open === e.executionID ? null : e.executionID)}>
            <span class="when">${formatTime(e.startedAt)}</span>
            <span class="badge">${e.trigger}</span>
            <span class="endpoint">${e.endpoint}</span>
            <span class="status">${e.status}</span>
            <span class="duration">${duration(e)}</span>
          </button>
          ${open === e.executionID && html`<${Details} execution=${e} />`}
        </li>`,
      )}
    </ol>
    ${entries.length === 0 && !busy && html`<p class="empty">No executions.</p>`}
    ${next && html`<button type="button" disabled=${busy} onClick=${() => load(next)}>Older runs</button>`}
  </div>`;
}

function duration(e) {
  if (e.durationMs != null) return `${e.durationMs} ms`;
  if (e.finishedAt && e.startedAt) return `${e.finishedAt - e.startedAt} ms`;
  return "";
}

function Details({ execution: e }) {
  const rest = { ...e };
  delete rest.logs;
  return html`<div class="details">
    <dl class="meta">
      <dt>Execution</dt><dd><code>${e.executionID}</code></dd>
      ${e.path && html`<dt>Path</dt><dd><code>${e.path}</code></dd>`}
      <dt>Version</dt><dd><code>${e.versionID}</code></dd>
      ${e.attempt && html`<dt>Attempt</dt><dd>${e.attempt}</dd>`}
    </dl>
    ${e.error && html`<h3>Error</h3><pre class="json error">${pretty(e.error)}</pre>`}
    ${e.returnedValue !== undefined && html`<h3>Returned value</h3><pre class="json">${pretty(e.returnedValue)}</pre>`}
    <h3>Log lines</h3>
    <${LogLines} lines=${e.logs} />
    <details><summary>Record</summary><pre class="json">${pretty(rest)}</pre></details>
  </div>`;
}
