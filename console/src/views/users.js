// Users and groups: find a user (by ID, LOGIN_NAME:, EMAIL: or PHONE:), create one, disable
// or enable, delete; a user's groups, a group's members, create a group.
import { useState } from "preact/hooks";
import { formatTime } from "../api.js";
import { ErrorLine, Field, Json, html, useAction } from "../ui.js";

export function UsersView({ kii }) {
  return html`<div class="users">
    <${FindUser} kii=${kii} />
    <${CreateUser} kii=${kii} />
    <${Groups} kii=${kii} />
    <${CodesSent} kii=${kii} />
  </div>`;
}

/** What the notifier sent: verification and reset codes (karakuri's GET …/notifications). */
function CodesSent({ kii }) {
  const [sent, setSent] = useState(null);
  const [run, busy, error] = useAction();
  const load = () => run(async () => setSent((await kii.get(`${kii.app}/notifications`)).notifications || []));
  return html`<section aria-labelledby="codes-title">
    <h2 id="codes-title">Codes sent</h2>
    <p>Verification and password-reset codes the app sent (docs/users-and-groups.md).</p>
    <button type="button" onClick=${load} disabled=${busy}>${sent ? "Refresh" : "Show codes sent"}</button>
    <${ErrorLine} error=${error} />
    ${sent &&
    (sent.length === 0
      ? html`<p class="empty">None sent.</p>`
      : html`<table aria-label="Codes sent">
          <thead><tr><th scope="col">Sent</th><th scope="col">User</th><th scope="col">Purpose</th><th scope="col">To</th><th scope="col">Code</th></tr></thead>
          <tbody>${[...sent].reverse().map(
            (n) => html`<tr><td>${formatTime(n.sentAt)}</td><td><code>${n.userID}</code></td><td>${n.purpose}</td>
              <td>${n.channel}: ${n.to}</td><td><code>${n.code}</code></td></tr>`,
          )}</tbody>
        </table>`)}
  </section>`;
}

function FindUser({ kii }) {
  const [ref, setRef] = useState("");
  const [user, setUser] = useState(null);
  const [groups, setGroups] = useState([]);
  const [run, busy, error] = useAction();
  const path = (u) => `${kii.app}/users/${encodeURIComponent(u)}`;

  async function find(e) {
    if (e) e.preventDefault();
    await run(async () => {
      const found = await kii.get(path(ref));
      setUser(found);
      const owned = await kii.get(`${kii.app}/groups?is_member=${encodeURIComponent(found.userID)}`);
      setGroups(owned.groups || []);
    });
  }
  async function setDisabled(disabled) {
    await run(async () => {
      await kii.request("PUT", `${path(user.userID)}/status`, { json: { disabled } });
      setUser(await kii.get(path(user.userID)));
    });
  }
  async function remove() {
    if (!confirm(`Delete user ${user.userID}?`)) return;
    await run(async () => {
      await kii.request("DELETE", path(user.userID));
      setUser(null);
    });
  }
  return html`<section aria-labelledby="find-user-title">
    <h2 id="find-user-title">Find a user</h2>
    <form class="row" onSubmit=${find} aria-label="Find a user">
      <${Field} label="User ID, LOGIN_NAME:name, EMAIL:address or PHONE:number" name="userRef" value=${ref} onInput=${setRef} required />
      <button type="submit" disabled=${busy}>Find</button>
    </form>
    <${ErrorLine} error=${error} />
    ${user &&
    html`<div>
      <${Json} value=${user} label="User" />
      <div class="row">
        <button type="button" onClick=${() => setDisabled(!user.disabled)}>${user.disabled ? "Enable" : "Disable"}</button>
        <button type="button" class="danger" onClick=${remove}>Delete</button>
      </div>
      <h3>Groups</h3>
      ${groups.length === 0
        ? html`<p class="empty">A member of no group.</p>`
        : html`<ul>${groups.map((g) => html`<li>${g.name} <code>${g.groupID}</code></li>`)}</ul>`}
    </div>`}
  </section>`;
}

function CreateUser({ kii }) {
  const [form, setForm] = useState({ loginName: "", password: "", emailAddress: "" });
  const [created, setCreated] = useState(null);
  const [run, busy, error] = useAction();
  const set = (key) => (value) => setForm({ ...form, [key]: value });
  async function create(e) {
    e.preventDefault();
    await run(async () => {
      const body = { loginName: form.loginName, password: form.password };
      if (form.emailAddress) body.emailAddress = form.emailAddress;
      const { data } = await kii.request("POST", `${kii.app}/users`, {
        json: body,
        type: "application/vnd.kii.RegistrationRequest+json",
      });
      setCreated(data);
    });
  }
  return html`<section aria-labelledby="create-user-title">
    <h2 id="create-user-title">Create a user</h2>
    <form class="row" onSubmit=${create} aria-label="Create a user">
      <${Field} label="Login name" name="loginName" value=${form.loginName} onInput=${set("loginName")} required />
      <${Field} label="Password" name="password" type="password" value=${form.password} onInput=${set("password")} required autocomplete="new-password" />
      <${Field} label="Email (optional)" name="emailAddress" type="email" value=${form.emailAddress} onInput=${set("emailAddress")} />
      <button type="submit" disabled=${busy}>Create user</button>
    </form>
    <${ErrorLine} error=${error} />
    ${created && html`<p role="status">Created user <code>${created.userID}</code>.</p>`}
  </section>`;
}

function Groups({ kii }) {
  const [groupID, setGroupID] = useState("");
  const [group, setGroup] = useState(null);
  const [members, setMembers] = useState([]);
  const [form, setForm] = useState({ name: "", owner: "" });
  const [run, busy, error] = useAction();

  async function show(id) {
    await run(async () => {
      setGroup(await kii.get(`${kii.app}/groups/${encodeURIComponent(id)}`));
      setMembers((await kii.get(`${kii.app}/groups/${encodeURIComponent(id)}/members`)).members || []);
    });
  }
  async function create(e) {
    e.preventDefault();
    await run(async () => {
      const { data } = await kii.request("POST", `${kii.app}/groups`, {
        json: { name: form.name, owner: form.owner },
        type: "application/vnd.kii.GroupCreationRequest+json",
      });
      setGroupID(data.groupID);
      await show(data.groupID);
    });
  }
  return html`<section aria-labelledby="groups-title">
    <h2 id="groups-title">Groups</h2>
    <form class="row" onSubmit=${(e) => {
      e.preventDefault();
      show(groupID);
    }} aria-label="Find a group">
      <${Field} label="Group ID" name="groupID" value=${groupID} onInput=${setGroupID} required />
      <button type="submit" disabled=${busy}>Show</button>
    </form>
    <form class="row" onSubmit=${create} aria-label="Create a group">
      <${Field} label="New group name" name="groupName" value=${form.name} onInput=${(v) => setForm({ ...form, name: v })} required />
      <${Field} label="Owner (user ID)" name="groupOwner" value=${form.owner} onInput=${(v) => setForm({ ...form, owner: v })} required />
      <button type="submit" disabled=${busy}>Create group</button>
    </form>
    <${ErrorLine} error=${error} />
    ${group &&
    html`<div>
      <${Json} value=${group} label="Group" />
      <h3>Members</h3>
      ${members.length === 0
        ? html`<p class="empty">No members.</p>`
        : html`<ul>${members.map((m) => html`<li><code>${m.userID}</code></li>`)}</ul>`}
    </div>`}
  </section>`;
}
