// Data: a scope, a bucket, its objects page by page (Kii's query API, a one-clause builder),
// each object's JSON to view, edit or delete, its body and ACL, new objects, and the bucket's
// ACL (Kii's bucket ACL routes: list, grant, revoke).
import { useEffect, useState } from "preact/hooks";
import { bucketPath, formatTime, pretty } from "../api.js";
import { ErrorLine, Field, Select, TextArea, html, parseJSON, useAction, useId } from "../ui.js";

const PAGE = 20;
const OPERATORS = [
  ["all", "all objects"],
  ["eq", "field = value"],
  ["prefix", "field starts with"],
  ["gte", "field ≥ value"],
  ["lte", "field ≤ value"],
  ["hasField", "has field"],
];

function recentKey(kii) {
  return `karakuri.console.buckets.${kii.appID}`;
}

function loadRecent(kii) {
  try {
    return JSON.parse(localStorage.getItem(recentKey(kii)) || "[]");
  } catch {
    return [];
  }
}

/** The value typed in the builder: JSON where it parses (numbers, booleans), else the text. */
function typed(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function clause(operator, field, value) {
  switch (operator) {
    case "eq":
      return { type: "eq", field, value: typed(value) };
    case "prefix":
      return { type: "prefix", field, prefix: value };
    case "gte":
      return { type: "range", field, lowerLimit: typed(value), lowerIncluded: true };
    case "lte":
      return { type: "range", field, upperLimit: typed(value), upperIncluded: true };
    case "hasField":
      return { type: "hasField", field, fieldType: "STRING" };
    default:
      return { type: "all" };
  }
}

export function DataView({ kii }) {
  const [scope, setScope] = useState("app");
  const [scopeID, setScopeID] = useState("");
  const [bucket, setBucket] = useState("");
  const [opened, setOpened] = useState(null); // {scope, scopeID, bucket}
  const [recent, setRecent] = useState(() => loadRecent(kii));

  function open(target) {
    setOpened({ ...target });
    const next = [target, ...recent.filter((r) => JSON.stringify(r) !== JSON.stringify(target))].slice(0, 10);
    localStorage.setItem(recentKey(kii), JSON.stringify(next));
    setRecent(next);
  }

  return html`<div class="data">
    <form class="row" aria-label="Open a bucket" onSubmit=${(e) => {
      e.preventDefault();
      open({ scope, scopeID: scope === "app" ? "" : scopeID, bucket });
    }}>
      <${Select} label="Scope" name="scope" value=${scope} onChange=${setScope}
        options=${[["app", "App"], ["user", "User"], ["group", "Group"], ["thing", "Thing"]]} />
      ${scope !== "app" &&
      html`<${Field} label=${`${scope[0].toUpperCase()}${scope.slice(1)} ID`} name="scopeID" value=${scopeID}
        onInput=${setScopeID} required />`}
      <${Field} label="Bucket" name="bucket" value=${bucket} onInput=${setBucket} required placeholder="e.g. tasks" />
      <button type="submit">Open bucket</button>
    </form>
    ${recent.length > 0 &&
    html`<div class="recent" aria-label="Recent buckets">
      Recent:
      ${recent.map(
        (r) => html`<button type="button" class="link" onClick=${() => {
          setScope(r.scope);
          setScopeID(r.scopeID);
          setBucket(r.bucket);
          open(r);
        }}>${r.scope === "app" ? "" : `${r.scope}:${r.scopeID}/`}${r.bucket}</button>`,
      )}
    </div>`}
    ${opened && html`<${Bucket} kii=${kii} target=${opened} key=${JSON.stringify(opened)} />`}
  </div>`;
}

function Bucket({ kii, target }) {
  const path = bucketPath(kii, target.scope, target.scopeID, target.bucket);
  const [operator, setOperator] = useState("all");
  const [field, setField] = useState("");
  const [value, setValue] = useState("");
  const [page, setPage] = useState({ results: [], next: null, keys: [null], index: 0 });
  const [selected, setSelected] = useState(null);
  const [creating, setCreating] = useState('{\n  "name": ""\n}');
  const [showAcl, setShowAcl] = useState(false);
  const [run, busy, error] = useAction();

  async function load(keys, index) {
    await run(async () => {
      const body = {
        bucketQuery: { clause: clause(operator, field, value), orderBy: "_created", descending: true },
        bestEffortLimit: PAGE,
      };
      if (keys[index]) body.paginationKey = keys[index];
      try {
        const { data } = await kii.request("POST", `${path}/query`, {
          json: body,
          type: "application/vnd.kii.QueryRequest+json",
        });
        setPage({ results: data.results || [], next: data.nextPaginationKey || null, keys, index });
      } catch (e) {
        if (e.errorCode === "BUCKET_NOT_FOUND") setPage({ results: [], next: null, keys: [null], index: 0 });
        else throw e;
      }
    });
  }
  useEffect(() => {
    load([null], 0);
  }, []);

  async function create(e) {
    e.preventDefault();
    await run(async () => {
      const object = parseJSON(creating, "The new object");
      const { data } = await kii.request("POST", `${path}/objects`, { json: object });
      await load([null], 0);
      setSelected(await kii.get(`${path}/objects/${encodeURIComponent(data.objectID)}`));
    });
  }

  const label = `${target.scope === "app" ? "app" : `${target.scope} ${target.scopeID}`} · bucket ${target.bucket}`;
  return html`<section aria-labelledby="bucket-title">
    <h2 id="bucket-title">${label}</h2>
    <form class="row" aria-label="Query" onSubmit=${(e) => {
      e.preventDefault();
      load([null], 0);
    }}>
      <${Select} label="Where" name="operator" value=${operator} onChange=${setOperator} options=${OPERATORS} />
      ${operator !== "all" && html`<${Field} label="Field" name="field" value=${field} onInput=${setField} required />`}
      ${!["all", "hasField"].includes(operator) &&
      html`<${Field} label="Value" name="value" value=${value} onInput=${setValue} />`}
      <button type="submit" disabled=${busy}>Query</button>
    </form>
    <${ErrorLine} error=${error} />
    <div class="split">
      <div>
        <table class="objects" aria-label="Objects" aria-busy=${busy}>
          <thead><tr><th scope="col">Object ID</th><th scope="col">Created</th><th scope="col">Fields</th></tr></thead>
          <tbody>
            ${page.results.map(
              (o) => html`<tr class=${selected && selected._id === o._id ? "selected" : ""}>
                <td><button type="button" class="link" onClick=${() => setSelected(o)}>${o._id}</button></td>
                <td>${formatTime(o._created)}</td>
                <td class="preview">${preview(o)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
        ${page.results.length === 0 && !busy && html`<p class="empty">No objects.</p>`}
        <div class="row pager">
          <button type="button" disabled=${busy || page.index === 0}
            onClick=${() => load(page.keys, page.index - 1)}>Previous page</button>
          <span>Page ${page.index + 1}</span>
          <button type="button" disabled=${busy || !page.next}
            onClick=${() => load([...page.keys.slice(0, page.index + 1), page.next], page.index + 1)}>Next page</button>
        </div>
        <form aria-label="New object" onSubmit=${create}>
          <${TextArea} label="New object (JSON)" name="newObject" value=${creating} onInput=${setCreating} rows=${5} />
          <button type="submit" disabled=${busy}>Create object</button>
        </form>
        <button type="button" class="toggle" aria-expanded=${showAcl} onClick=${() => setShowAcl(!showAcl)}>
          The bucket's ACL
        </button>
        ${showAcl && html`<${Acl} kii=${kii} path=${path} actions=${BUCKET_ACTIONS} what="Bucket ACL" />`}
      </div>
      ${selected &&
      html`<${ObjectEditor} kii=${kii} path=${path} object=${selected} key=${selected._id + selected._version}
        onChanged=${(o) => {
          setSelected(o);
          load(page.keys, page.index);
        }} />`}
    </div>
  </section>`;
}

function preview(object) {
  const fields = Object.entries(object).filter(([k]) => !k.startsWith("_"));
  const text = fields.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ");
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function ObjectEditor({ kii, path, object, onChanged }) {
  const own = Object.fromEntries(Object.entries(object).filter(([k]) => !k.startsWith("_")));
  const [text, setText] = useState(pretty(own));
  const [run, busy, error] = useAction();
  const objectPath = `${path}/objects/${encodeURIComponent(object._id)}`;

  async function save(e) {
    e.preventDefault();
    await run(async () => {
      const value = parseJSON(text, "The object");
      const headers = object._version ? { "If-Match": object._version } : {};
      await kii.request("PUT", objectPath, { json: value, headers });
      onChanged(await kii.get(objectPath));
    });
  }
  async function remove() {
    if (!confirm(`Delete object ${object._id}?`)) return;
    await run(async () => {
      await kii.request("DELETE", objectPath);
      onChanged(null);
    });
  }
  return html`<section class="editor" aria-labelledby="object-title">
    <h3 id="object-title">Object ${object._id}</h3>
    <dl class="meta">
      <dt>Version</dt><dd>${object._version || "?"}</dd>
      <dt>Owner</dt><dd>${object._owner || "(app)"}</dd>
      <dt>Modified</dt><dd>${formatTime(object._modified)}</dd>
    </dl>
    <form onSubmit=${save} aria-label="Edit object">
      <${TextArea} label="Fields (JSON)" name="objectJSON" value=${text} onInput=${setText} rows=${12} />
      <div class="row">
        <button type="submit" class="primary" disabled=${busy}>Save</button>
        <button type="button" class="danger" disabled=${busy} onClick=${remove}>Delete</button>
      </div>
    </form>
    <${ErrorLine} error=${error} />
    <${ObjectBody} kii=${kii} objectPath=${objectPath} key=${`body-${objectPath}`} />
    <${Acl} kii=${kii} path=${objectPath} actions=${OBJECT_ACTIONS} what="ACL" key=${objectPath} />
  </section>`;
}

/** The object's body (Kii's binary attachment): its type and size, download, upload, delete. */
function ObjectBody({ kii, objectPath }) {
  const [body, setBody] = useState(undefined); // undefined: not looked at yet; null: none
  const [run, busy, error] = useAction();
  const fileID = useId("body-file");
  const bodyPath = `${objectPath}/body`;

  // The first byte only (a Range request): its type and, from Content-Range, its size. (Not
  // HEAD: chalice local answers a HEAD with two Content-Length headers, which browsers refuse.)
  async function look() {
    try {
      const { status, headers, data } = await kii.request("GET", bodyPath, { blob: true, headers: { Range: "bytes=0-0" } });
      const range = /\/(\d+)$/.exec(headers.get("content-range") || "");
      const size = status === 206 && range ? Number(range[1]) : data.size;
      setBody({ type: headers.get("content-type"), size });
    } catch (e) {
      if (e.status === 404) setBody(null);
      else if (e.status === 416) setBody({ type: "empty", size: 0 });
      else throw e;
    }
  }
  useEffect(() => {
    run(look);
  }, []);
  async function upload(e) {
    const file = e.currentTarget.files[0];
    if (file) await run(async () => {
      await kii.request("PUT", bodyPath, { file });
      await look();
    });
  }
  async function download() {
    await run(async () => {
      const { data } = await kii.request("GET", bodyPath, { blob: true });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(data);
      link.download = objectPath.split("/").pop();
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    });
  }
  async function remove() {
    await run(async () => {
      await kii.request("DELETE", bodyPath);
      setBody(null);
    });
  }
  return html`<section aria-labelledby="body-title">
    <h3 id="body-title">Body</h3>
    ${body === null && html`<p class="empty">No body.</p>`}
    ${body &&
    html`<p role="status" aria-label="Body">${body.type}, ${body.size} bytes
      <button type="button" onClick=${download} disabled=${busy}>Download</button>
      <button type="button" class="danger" onClick=${remove} disabled=${busy}>Delete body</button></p>`}
    <div class="field">
      <label for=${fileID}>Upload a body</label>
      <input id=${fileID} type="file" onChange=${upload} disabled=${busy} />
    </div>
    <${ErrorLine} error=${error} />
  </section>`;
}

const OBJECT_ACTIONS = ["READ_EXISTING_OBJECT", "WRITE_EXISTING_OBJECT"];
const BUCKET_ACTIONS = [
  "QUERY_OBJECTS_IN_BUCKET",
  "CREATE_OBJECTS_IN_BUCKET",
  "READ_OBJECTS_IN_BUCKET",
  "DROP_BUCKET_WITH_ALL_CONTENT",
];

/** Kii's ACL subjects in the path form: UserID:…, GroupID:…, ThingID:…. */
export function subjectOf(entry) {
  if (entry.userID) return `UserID:${entry.userID}`;
  if (entry.groupID) return `GroupID:${entry.groupID}`;
  return `ThingID:${entry.thingID}`;
}

/** An ACL (a bucket's or an object's): its entries, each revocable, and a grant form.
 * ``what`` names it in headings and labels ("ACL" for the object, "Bucket ACL"). */
function Acl({ kii, path, actions, what }) {
  const [acl, setAcl] = useState(null);
  const [action, setAction] = useState(actions[0]);
  const [subject, setSubject] = useState("");
  const [run, busy, error] = useAction();
  const title = useId("acl");
  const load = () => run(async () => setAcl(await kii.get(`${path}/acl`)));
  useEffect(() => {
    load();
  }, []);
  async function change(method, act, who) {
    await run(async () => {
      await kii.request(method, `${path}/acl/${act}/${encodeURIComponent(who)}`);
      setAcl(await kii.get(`${path}/acl`));
    });
  }
  const entries = what === "ACL" ? "ACL entries" : `${what} entries`;
  const prefix = what === "ACL" ? "" : `${what}: `;
  return html`<section aria-labelledby=${title}>
    <h3 id=${title}>${what}</h3>
    ${acl &&
    html`<ul class="acl" aria-label=${entries}>
      ${Object.entries(acl).flatMap(([act, list]) =>
        list.map(
          (entry) => html`<li>
            <span class="badge">${act}</span> <code>${subjectOf(entry)}</code>
            <button type="button" class="link" aria-label=${`${prefix}Revoke ${act} from ${subjectOf(entry)}`}
              onClick=${() => change("DELETE", act, subjectOf(entry))}>revoke</button>
          </li>`,
        ),
      )}
    </ul>`}
    <form class="row" aria-label=${`${prefix}Grant`} onSubmit=${(e) => {
      e.preventDefault();
      change("PUT", action, subject);
    }}>
      <${Select} label=${`${prefix}Action`} name="aclAction" value=${action} onChange=${setAction}
        options=${actions.map((a) => [a, a])} />
      <${Field} label=${`${prefix}Subject (UserID:…, GroupID:…, ThingID:…)`} name="aclSubject" value=${subject}
        onInput=${setSubject} required placeholder="UserID:ANY_AUTHENTICATED_USER" />
      <button type="submit" disabled=${busy}>${prefix ? `Grant on the bucket` : "Grant"}</button>
    </form>
    <${ErrorLine} error=${error} />
  </section>`;
}
