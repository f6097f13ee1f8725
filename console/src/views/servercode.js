// Server code: versions with their source and hook config, set current, deploy a file (with
// a hook config), and invoke an endpoint to see its returned value, step count and log lines.
import { useEffect, useState } from "preact/hooks";
import { formatTime, pretty } from "../api.js";
import { lineDiff } from "../diff.js";
import { Source } from "../syntax.js";
import { ErrorLine, Field, Json, Select, TextArea, html, parseJSON, useAction, useId } from "../ui.js";

export function ServerCodeView({ kii }) {
  const [versions, setVersions] = useState([]);
  const [shown, setShown] = useState(null);
  const [run, busy, error] = useAction();
  const base = `${kii.app}/server-code`;

  async function refresh() {
    await run(async () => {
      const { versions: found } = await kii.get(`${base}/versions`);
      found.sort((a, b) => b.createdAt - a.createdAt);
      setVersions(found);
    });
  }
  useEffect(() => {
    refresh();
  }, []);

  async function setCurrent(versionID) {
    await run(async () => {
      await kii.request("PUT", `${base}/versions/current`, { text: versionID });
      await refresh();
    });
  }

  return html`<div class="servercode">
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      <${ErrorLine} error=${error} />
      <table aria-label="Versions" aria-busy=${busy}>
        <thead><tr><th scope="col">Version</th><th scope="col">Deployed</th><th scope="col">Environment</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          ${versions.map(
            (v) => html`<tr class=${v.current ? "current" : ""}>
              <td><code>${v.versionID}</code>${v.current && html` <span class="badge">current</span>`}</td>
              <td>${formatTime(v.createdAt)}</td>
              <td>${v.environmentVersion}</td>
              <td class="actions">
                <button type="button" onClick=${() => setShown(v.versionID)}>View</button>
                ${!v.current && html`<button type="button" onClick=${() => setCurrent(v.versionID)}>Set current</button>`}
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${versions.length === 0 && !busy && html`<p class="empty">No server code deployed yet.</p>`}
    </section>
    ${shown && html`<${Version} kii=${kii} versionID=${shown} key=${shown} />`}
    ${versions.length > 1 && html`<${Compare} kii=${kii} versions=${versions} />`}
    <${Deploy} kii=${kii} onDeployed=${refresh} />
    <${Invoke} kii=${kii} />
  </div>`;
}

function Version({ kii, versionID }) {
  const [source, setSource] = useState("");
  const [hooks, setHooks] = useState(undefined);
  const [run, , error] = useAction();
  useEffect(() => {
    run(async () => {
      setSource(await kii.get(`${kii.app}/server-code/versions/${versionID}`));
      setHooks(await kii.find(`${kii.app}/hooks/versions/${versionID}`));
    });
  }, [versionID]);
  return html`<section aria-labelledby="version-title">
    <h2 id="version-title">Version <code>${versionID}</code></h2>
    <${ErrorLine} error=${error} />
    <h3>Source</h3>
    <${Source} source=${source} label="Source" />
    <h3>Hook config</h3>
    ${hooks === null ? html`<p class="empty">No hook config.</p>` : html`<${Json} value=${hooks} label="Hook config" />`}
  </section>`;
}

function Compare({ kii, versions }) {
  const options = versions.map((v) => [v.versionID, `${v.versionID}${v.current ? " (current)" : ""}`]);
  const [from, setFrom] = useState(versions[1].versionID);
  const [to, setTo] = useState(versions[0].versionID);
  const [lines, setLines] = useState(null);
  const [run, busy, error] = useAction();
  async function compare(e) {
    e.preventDefault();
    await run(async () => {
      const source = (v) => kii.get(`${kii.app}/server-code/versions/${encodeURIComponent(v)}`);
      const [a, b] = await Promise.all([source(from), source(to)]);
      setLines(lineDiff(a, b));
    });
  }
  const changed = lines ? lines.filter(([op]) => op !== " ").length : 0;
  return html`<section aria-labelledby="compare-title">
    <h2 id="compare-title">Compare versions</h2>
    <form class="row" onSubmit=${compare} aria-label="Compare versions">
      <${Select} label="From" name="from" value=${from} onChange=${setFrom} options=${options} />
      <${Select} label="To" name="to" value=${to} onChange=${setTo} options=${options} />
      <button type="submit" disabled=${busy}>Compare</button>
    </form>
    <${ErrorLine} error=${error} />
    ${lines &&
    html`<p role="status">${changed === 0 ? "The two sources are the same." : `${changed} lines differ.`}</p>
      <pre class="diff" tabindex="0" aria-label="Differences">${lines.map(
        ([op, line]) => html`<span class=${{ "+": "added", "-": "removed", " ": "kept" }[op]}>${op} ${line}</span>`,
      )}</pre>`}
  </section>`;
}

function Deploy({ kii, onDeployed }) {
  const [source, setSource] = useState("");
  const [hookConfig, setHookConfig] = useState("");
  const [makeCurrent, setMakeCurrent] = useState(true);
  const [deployed, setDeployed] = useState(null);
  const [run, busy, error] = useAction();
  const fileID = useId("file");
  const currentID = useId("current");

  async function readFile(e) {
    const file = e.currentTarget.files[0];
    if (file) setSource(await file.text());
  }
  async function deploy(e) {
    e.preventDefault();
    await run(async () => {
      const config = hookConfig.trim() ? parseJSON(hookConfig, "The hook config") : null;
      const { data } = await kii.request("POST", `${kii.app}/server-code`, {
        text: source,
        type: "application/javascript",
      });
      const versionID = data.versionID;
      if (config) {
        await kii.request("PUT", `${kii.app}/hooks/versions/${versionID}`, {
          json: config,
          type: "application/vnd.kii.HooksDeploymentRequest+json",
        });
      }
      if (makeCurrent) await kii.request("PUT", `${kii.app}/server-code/versions/current`, { text: versionID });
      setDeployed(versionID);
      await onDeployed();
    });
  }
  return html`<section aria-labelledby="deploy-title">
    <h2 id="deploy-title">Deploy</h2>
    <form onSubmit=${deploy} aria-label="Deploy server code">
      <div class="field">
        <label for=${fileID}>Server code file</label>
        <input id=${fileID} name="file" type="file" accept=".js,application/javascript,text/javascript" onChange=${readFile} />
      </div>
      <${TextArea} label="Source" name="source" value=${source} onInput=${setSource} rows=${10} />
      <${TextArea} label="Hook config (JSON, optional)" name="hookConfig" value=${hookConfig} onInput=${setHookConfig} rows=${6} />
      <div class="check">
        <input id=${currentID} type="checkbox" checked=${makeCurrent} onChange=${(e) => setMakeCurrent(e.currentTarget.checked)} />
        <label for=${currentID}>Make it the current version</label>
      </div>
      <button type="submit" class="primary" disabled=${busy || !source.trim()}>Deploy</button>
      ${deployed && html`<p role="status">Deployed version <code>${deployed}</code>.</p>`}
      <${ErrorLine} error=${error} />
    </form>
  </section>`;
}

function Invoke({ kii }) {
  const [endpoint, setEndpoint] = useState("");
  const [version, setVersion] = useState("current");
  const [params, setParams] = useState("{}");
  const [result, setResult] = useState(null);
  const [run, busy, error] = useAction();

  async function invoke(e) {
    e.preventDefault();
    setResult(null);
    await run(async () => {
      const body = parseJSON(params || "{}", "The parameters");
      const logs = `${kii.app}/server-code/logs`;
      const before = (await kii.get(`${logs}?limit=1`)).last || 0;
      const path = `${kii.app}/server-code/versions/${encodeURIComponent(version || "current")}/${encodeURIComponent(endpoint)}`;
      let outcome;
      try {
        const { status, headers, data } = await kii.request("POST", path, { json: body });
        outcome = { status, steps: headers.get("X-Step-count"), value: data, ok: true };
      } catch (failure) {
        if (!failure.body) throw failure;
        outcome = { status: failure.status, steps: null, value: failure.body, ok: false };
      }
      const { logs: lines } = await kii.get(`${logs}?since=${before}`);
      const invoke = [...lines].reverse().find((l) => l.key === "servercode.invoke" && l.entryName === endpoint);
      outcome.logs = invoke ? lines.filter((l) => l.executionID === invoke.executionID) : [];
      outcome.durationMs = invoke && invoke.durationMs;
      setResult(outcome);
    });
  }
  return html`<section aria-labelledby="invoke-title">
    <h2 id="invoke-title">Invoke an endpoint</h2>
    <form class="stack" onSubmit=${invoke} aria-label="Invoke an endpoint">
      <div class="row">
        <${Field} label="Endpoint" name="endpoint" value=${endpoint} onInput=${setEndpoint} required />
        <${Field} label="Version" name="version" value=${version} onInput=${setVersion} />
      </div>
      <${TextArea} label="Parameters (JSON)" name="params" value=${params} onInput=${setParams} rows=${4} />
      <button type="submit" class="primary" disabled=${busy}>Invoke</button>
    </form>
    <${ErrorLine} error=${error} />
    ${result &&
    html`<div class="result" role="status" aria-label="Invocation result">
      <p class=${result.ok ? "ok" : "failed"}>
        HTTP ${result.status}${result.steps != null ? ` · step count ${result.steps}` : ""}${result.durationMs != null ? ` · ${result.durationMs} ms` : ""}
      </p>
      <h3>${result.ok ? "Returned value" : "Error"}</h3>
      <pre class="json returned" tabindex="0">${pretty(result.value)}</pre>
      <h3>Log lines</h3>
      <${LogLines} lines=${result.logs} />
    </div>`}
  </section>`;
}

export function LogLines({ lines }) {
  if (!lines || lines.length === 0) return html`<p class="empty">No log lines.</p>`;
  return html`<ol class="logs">
    ${lines.map(
      (l) => html`<li class=${`level-${(l.level || "INFO").toLowerCase()}`}>
        <span class="level">${l.level}</span> <span class="message">${l.message}</span>
      </li>`,
    )}
  </ol>`;
}
