// Things and Thing-IF: register or find a thing, its owners and state, its commands (send
// one and watch its state and action results) and its triggers.
import { useEffect, useState } from "preact/hooks";
import { formatTime, pretty } from "../api.js";
import { ErrorLine, Field, Json, TextArea, html, parseJSON, useAction } from "../ui.js";

const LIVE_MS = 3000;

export function ThingsView({ kii }) {
  const [ref, setRef] = useState("");
  const [thing, setThing] = useState(null);
  const [form, setForm] = useState({ vendorThingID: "", password: "", thingType: "" });
  const [run, busy, error] = useAction();
  const set = (key) => (value) => setForm({ ...form, [key]: value });

  async function find(e) {
    e.preventDefault();
    await run(async () => setThing(await kii.get(`${kii.app}/things/${encodeURIComponent(ref)}`)));
  }
  async function register(e) {
    e.preventDefault();
    await run(async () => {
      const body = { _vendorThingID: form.vendorThingID, _password: form.password };
      if (form.thingType) body._thingType = form.thingType;
      const { data } = await kii.request("POST", `${kii.app}/things`, {
        json: body,
        type: "application/vnd.kii.ThingRegistrationRequest+json",
      });
      setRef(data._thingID);
      setThing(data);
    });
  }
  return html`<div class="things">
    <section aria-labelledby="find-thing-title">
      <h2 id="find-thing-title">Find a thing</h2>
      <form class="row" onSubmit=${find} aria-label="Find a thing">
        <${Field} label="Thing ID or VENDOR_THING_ID:id" name="thingRef" value=${ref} onInput=${setRef} required />
        <button type="submit" disabled=${busy}>Find</button>
      </form>
      <form class="row" onSubmit=${register} aria-label="Register a thing">
        <${Field} label="Vendor thing ID" name="vendorThingID" value=${form.vendorThingID} onInput=${set("vendorThingID")} required />
        <${Field} label="Thing password" name="thingPassword" type="password" value=${form.password} onInput=${set("password")} required autocomplete="new-password" />
        <${Field} label="Thing type" name="thingType" value=${form.thingType} onInput=${set("thingType")} />
        <button type="submit" disabled=${busy}>Register thing</button>
      </form>
      <${ErrorLine} error=${error} />
    </section>
    ${thing && html`<${Thing} kii=${kii} thing=${thing} key=${thing._thingID} />`}
  </div>`;
}

function Thing({ kii, thing }) {
  const target = `${kii.thingIF}/targets/thing:${encodeURIComponent(thing._thingID)}`;
  const [owners, setOwners] = useState(null);
  const [state, setState] = useState(undefined);
  const [commands, setCommands] = useState([]);
  const [triggers, setTriggers] = useState([]);
  const [actions, setActions] = useState('[{"turnPower": {"power": true}}]');
  const [issuer, setIssuer] = useState("");
  const [schema, setSchema] = useState("");
  const [sent, setSent] = useState(null);
  const [run, busy, error] = useAction();

  async function refresh() {
    await run(async () => {
      setOwners(await kii.find(`${kii.app}/things/${thing._thingID}/ownership`));
      setState(await kii.find(`${target}/states`));
      setCommands((await kii.get(`${target}/commands`)).commands || []);
      setTriggers((await kii.get(`${target}/triggers`)).triggers || []);
    });
  }
  useEffect(() => {
    refresh();
  }, []);
  // Live while open: the state and the commands are read again every few seconds.
  useEffect(() => {
    const timer = setInterval(async () => {
      try {
        setState(await kii.find(`${target}/states`));
        setCommands((await kii.get(`${target}/commands`)).commands || []);
      } catch {
        // the next tick, or Refresh, says what went wrong
      }
    }, LIVE_MS);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (!issuer && owners && owners.users && owners.users.length) setIssuer(`user:${owners.users[0]}`);
  }, [owners]);

  async function send(e) {
    e.preventDefault();
    await run(async () => {
      const body = { actions: parseJSON(actions, "The actions"), issuer };
      if (schema) Object.assign(body, { schema, schemaVersion: 1 });
      const { data } = await kii.request("POST", `${target}/commands`, { json: body });
      setSent(data.commandID);
      setCommands((await kii.get(`${target}/commands`)).commands || []);
    });
  }
  return html`<section aria-labelledby="thing-title">
    <h2 id="thing-title">Thing <code>${thing._thingID}</code></h2>
    <button type="button" onClick=${refresh} disabled=${busy}>Refresh</button>
    <${ErrorLine} error=${error} />
    <div class="split">
      <div>
        <h3>Thing</h3>
        <${Json} value=${thing} label="Thing" />
        <h3>Owners</h3>
        <${Json} value=${owners || {}} label="Owners" />
        <h3>State</h3>
        ${state ? html`<${Json} value=${state} label="State" />` : html`<p class="empty">No state yet.</p>`}
      </div>
      <div>
        <h3>Send a command</h3>
        <form onSubmit=${send} aria-label="Send a command">
          <${TextArea} label="Actions (JSON list of one-key objects)" name="actions" value=${actions} onInput=${setActions} rows=${4} />
          <div class="row">
            <${Field} label="Issuer (user:ID or group:ID)" name="issuer" value=${issuer} onInput=${setIssuer} required />
            <${Field} label="Schema (optional)" name="schema" value=${schema} onInput=${setSchema} />
          </div>
          <button type="submit" class="primary" disabled=${busy}>Send command</button>
          ${sent && html`<p role="status">Sent command <code>${sent}</code>.</p>`}
        </form>
        <h3>Commands</h3>
        ${commands.length === 0 && html`<p class="empty">No commands.</p>`}
        <ol class="commands" aria-label="Commands">
          ${commands.map(
            (c) => html`<li>
              <span class="badge">${c.commandState}</span> <code>${c.commandID}</code>
              <span class="when">${formatTime(c.createdAt)}</span>
              <pre class="json">${pretty(c.actions)}</pre>
              ${c.actionResults && html`<pre class="json" aria-label="Action results">${pretty(c.actionResults)}</pre>`}
            </li>`,
          )}
        </ol>
        <h3>Triggers</h3>
        ${triggers.length === 0
          ? html`<p class="empty">No triggers.</p>`
          : html`<ul>${triggers.map(
              (t) => html`<li><code>${t.triggerID}</code> ${t.predicate && t.predicate.eventSource}
                ${t.disabled ? " (disabled)" : ""} → ${t.command ? "command" : t.serverCode ? `server code ${t.serverCode.endpoint}` : ""}</li>`,
            )}</ul>`}
      </div>
    </div>
  </section>`;
}
