// The local stack's apps, on the overview: the list (GET /local/apps) and a new app (POST
// /local/apps, as `karakuri app create`), whose admin the console can sign in as at once.
// Only `make run`'s stack serves these routes; elsewhere this section is not shown.
import { useEffect, useState } from "preact/hooks";
import { createLocalApp, formatTime, localApps } from "../api.js";
import { ErrorLine, Field, html, useAction, useId } from "../ui.js";

export function LocalApps({ kii, signIn }) {
  const [apps, setApps] = useState(null);
  const [name, setName] = useState("");
  const [created, setCreated] = useState(null);
  const [run, busy, error] = useAction();
  const title = useId("apps");
  useEffect(() => {
    localApps(kii.root).then(setApps);
  }, []);
  if (apps === null) return null;

  async function create(e) {
    e.preventDefault();
    await run(async () => {
      setCreated(await createLocalApp(kii.root, name));
      setName("");
      setApps(await localApps(kii.root));
    });
  }

  return html`<section class="local-apps" aria-labelledby=${title}>
    <h2 id=${title}>Apps on this local stack</h2>
    <div class="scroll">
      <table aria-label="Apps">
        <thead><tr><th scope="col">App ID</th><th scope="col">Name</th><th scope="col">Created</th></tr></thead>
        <tbody>
          ${apps.map(
            (a) => html`<tr class=${a.appID === kii.appID ? "current" : ""}>
              <td><code>${a.appID}</code>${a.appID === kii.appID ? html` <span class="badge">signed in</span>` : ""}</td>
              <td>${a.name}</td>
              <td>${formatTime(a.createdAt)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <form class="row" aria-label="Create an app" onSubmit=${create}>
      <${Field} label="New app's name" name="appName" value=${name} onInput=${setName} required placeholder="e.g. shop" />
      <button type="submit" disabled=${busy}>Create app</button>
    </form>
    <${ErrorLine} error=${error} />
    <div role="status">
      ${created &&
      html`<p>Created app <code>${created.appID}</code> (${created.name}). Its client secret is shown
          once, here: keep it.</p>
        <dl class="meta" aria-label="New app's credentials">
          <dt>App ID</dt><dd><code>${created.appID}</code></dd>
          <dt>App key</dt><dd><code>${created.appKey}</code></dd>
          <dt>Client ID</dt><dd><code>${created.clientID}</code></dd>
          <dt>Client secret</dt><dd><code>${created.clientSecret}</code></dd>
          <dt>Base URL</dt><dd><code>${created.baseURL}</code></dd>
        </dl>
        <button type="button" class="primary" disabled=${busy}
          onClick=${() => run(() => signIn(created))}>Sign in to ${created.name}</button>`}
    </div>
  </section>`;
}
