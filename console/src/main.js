// The console's shell: sign in with an app's admin credentials, then one view at a time
// (the hash names it, so the browser's back button and links work).
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Kii, SIGNED_OUT, demoApp, fetchToken, siteRoot } from "./api.js";
import { ErrorLine, Field, html, useAction } from "./ui.js";
import { OverviewView } from "./views/overview.js";
import { DataView } from "./views/data.js";
import { ServerCodeView } from "./views/servercode.js";
import { ExecutionsView } from "./views/executions.js";
import { UsersView } from "./views/users.js";
import { ThingsView } from "./views/things.js";
import { LiveView } from "./views/live.js";

const VIEWS = [
  ["overview", "Overview", OverviewView],
  ["data", "Data", DataView],
  ["server-code", "Server code", ServerCodeView],
  ["executions", "Executions", ExecutionsView],
  ["users", "Users and groups", UsersView],
  ["things", "Things", ThingsView],
  ["live", "Live", LiveView],
];
const SESSION = "karakuri.console.session";
const root = siteRoot();

function SignIn({ onSignedIn, reason }) {
  const [form, setForm] = useState({ appID: "", appKey: "", clientID: "", clientSecret: "" });
  const [demo, setDemo] = useState(null);
  const [run, busy, error] = useAction();
  useEffect(() => {
    demoApp(root).then(setDemo);
  }, []);
  const set = (key) => (value) => setForm({ ...form, [key]: value });

  async function signIn(credentials) {
    await run(async () => {
      const token = await fetchToken(root, credentials);
      onSignedIn({ appID: credentials.appID, appKey: credentials.appKey, token: token.access_token });
    });
  }

  return html`<main class="signin">
    <h1>karakuri console</h1>
    ${reason && html`<p class="error" role="alert">Signed out: ${reason}</p>`}
    <p>Sign in with an app's admin credentials (the client ID and secret of <code>karakuri app create</code>).
      The console calls the same REST API, with the same rights, as any client.</p>
    ${demo &&
    html`<section class="demo" aria-labelledby="demo-title">
      <h2 id="demo-title">Local stack</h2>
      <p>This local stack has a demo app, <code>${demo.appID}</code>.</p>
      <button type="button" class="primary" disabled=${busy} onClick=${() => signIn(demo)}>
        Sign in to the demo app
      </button>
    </section>`}
    <form onSubmit=${(e) => {
      e.preventDefault();
      signIn(form);
    }} aria-label="Sign in">
      <${Field} label="App ID" name="appID" value=${form.appID} onInput=${set("appID")} required />
      <${Field} label="App key" name="appKey" value=${form.appKey} onInput=${set("appKey")} required />
      <${Field} label="Client ID" name="clientID" value=${form.clientID} onInput=${set("clientID")} required />
      <${Field} label="Client secret" name="clientSecret" type="password" value=${form.clientSecret}
        onInput=${set("clientSecret")} required autocomplete="current-password" />
      <button type="submit" class="primary" disabled=${busy}>Sign in</button>
      <${ErrorLine} error=${error} />
    </form>
    <p class="fineprint"><a href="console/licenses.txt">Licenses of the bundled packages</a></p>
  </main>`;
}

function currentView() {
  const name = location.hash.replace(/^#\/?/, "").split("/")[0];
  return VIEWS.find(([key]) => key === name) || VIEWS[0];
}

function Shell({ session, onSignOut, onSignIn }) {
  const [view, setView] = useState(currentView);
  useEffect(() => {
    const follow = () => setView(currentView());
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  const kii = new Kii({ root, ...session });
  const [key, title, View] = view;
  useEffect(() => {
    document.title = `${title} · karakuri console`;
  }, [title]);
  return html`<div class="shell">
    <a class="skip" href="#view">Skip to the view</a>
    <header>
      <span class="brand">karakuri</span>
      <span class="app" title="app ID">app <code>${session.appID}</code></span>
      <button type="button" onClick=${onSignOut}>Sign out</button>
    </header>
    <nav aria-label="Views">
      <ul>
        ${VIEWS.map(
          ([k, t]) => html`<li><a href=${`#/${k}`} aria-current=${k === key ? "page" : undefined}>${t}</a></li>`,
        )}
      </ul>
    </nav>
    <main id="view" tabindex="-1">
      <h1>${title}</h1>
      <${View} kii=${kii} key=${`${session.appID}/${key}`} signIn=${async (credentials) => {
        const token = await fetchToken(root, credentials);
        onSignIn({ appID: credentials.appID, appKey: credentials.appKey, token: token.access_token });
      }} />
    </main>
  </div>`;
}

function App() {
  const [session, setSession] = useState(() => JSON.parse(sessionStorage.getItem(SESSION) || "null"));
  const [reason, setReason] = useState(null);
  useEffect(() => {
    const expired = (event) => {
      setReason(event.detail);
      signOut();
    };
    addEventListener(SIGNED_OUT, expired);
    return () => removeEventListener(SIGNED_OUT, expired);
  }, []);
  function signedIn(value) {
    // The tab's session only: closing the tab forgets the token.
    sessionStorage.setItem(SESSION, JSON.stringify(value));
    setReason(null);
    setSession(value);
  }
  function signOut() {
    sessionStorage.removeItem(SESSION);
    setSession(null);
  }
  return session ? html`<${Shell} session=${session} onSignOut=${signOut} onSignIn=${signedIn} />` : html`<${SignIn} onSignedIn=${signedIn} reason=${reason} />`;
}

const mount = document.getElementById("root");
mount.textContent = "";
render(html`<${App} />`, mount);
