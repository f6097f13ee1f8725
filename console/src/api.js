// A client of karakuri's Kii REST API, with the caller's own token: the console has no other
// way in. Paths are relative to the site that serves the console (same origin).

/** The site root: "" locally, "/api" behind API Gateway's stage (…/api/console). */
export function siteRoot(pathname = location.pathname) {
  const at = pathname.lastIndexOf("/console");
  return at >= 0 ? pathname.slice(0, at) : "";
}

/** Fired on window when the API no longer takes the console's token. */
export const SIGNED_OUT = "karakuri-console-signed-out";

export class KiiError extends Error {
  constructor(status, body) {
    const code = (body && body.errorCode) || `HTTP_${status}`;
    super(`${status} ${code}${body && body.message ? `: ${body.message}` : ""}`);
    this.status = status;
    this.errorCode = code;
    this.body = body;
  }
}

async function parse(response) {
  const text = await response.text();
  const type = response.headers.get("content-type") || "";
  if (text && (type.includes("json") || /^[\[{"]/.test(text))) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

export async function fetchToken(root, { appID, clientID, clientSecret }) {
  const response = await fetch(`${root}/api/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Kii-AppID": appID },
    body: JSON.stringify({ grant_type: "client_credentials", client_id: clientID, client_secret: clientSecret }),
  });
  const body = await parse(response);
  if (!response.ok) throw new KiiError(response.status, body);
  return body;
}

/** The local stack's demo app (served only by `make run`'s embedded stack), or null. */
export async function demoApp(root) {
  try {
    const response = await fetch(`${root}/local/demo-app`);
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/** The local stack's apps (GET /local/apps, served only by `make run`'s stack), or null. */
export async function localApps(root) {
  try {
    const response = await fetch(`${root}/local/apps`);
    return response.ok ? (await response.json()).apps : null;
  } catch {
    return null;
  }
}

/** A new app on the local stack, as `karakuri app create` makes it: its credentials. */
export async function createLocalApp(root, name) {
  const response = await fetch(`${root}/local/apps`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const body = await parse(response);
  if (!response.ok) throw new KiiError(response.status, body);
  return body;
}

export class Kii {
  constructor({ root, appID, appKey, token }) {
    Object.assign(this, { root, appID, appKey, token });
  }

  get app() {
    return `/api/apps/${encodeURIComponent(this.appID)}`;
  }

  get thingIF() {
    return `/thing-if/apps/${encodeURIComponent(this.appID)}`;
  }

  /** One request; resolves to {status, headers, data}, rejects with a KiiError. */
  async request(method, path, { json, text, file, type, headers = {}, blob = false, signal } = {}) {
    const init = {
      method,
      signal,
      headers: {
        Authorization: `Bearer ${this.token}`,
        "X-Kii-AppID": this.appID,
        "X-Kii-AppKey": this.appKey,
        ...headers,
      },
    };
    if (json !== undefined) {
      init.body = JSON.stringify(json);
      init.headers["Content-Type"] = type || "application/json";
    } else if (file !== undefined) {
      init.body = file;
      init.headers["Content-Type"] = type || file.type || "application/octet-stream";
    } else if (text !== undefined) {
      init.body = text;
      init.headers["Content-Type"] = type || "text/plain";
    }
    const response = await fetch(this.root + path, init);
    if (blob && response.ok) return { status: response.status, headers: response.headers, data: await response.blob() };
    const data = response.status === 204 || method === "HEAD" ? null : await parse(response);
    if (response.status === 401 || (data && data.errorCode === "WRONG_TOKEN")) {
      // The admin token expired or was revoked: the shell signs out and says so.
      dispatchEvent(new CustomEvent(SIGNED_OUT, { detail: new KiiError(response.status, data).message }));
    }
    if (!response.ok) throw new KiiError(response.status, data);
    return { status: response.status, headers: response.headers, data };
  }

  async get(path) {
    return (await this.request("GET", path)).data;
  }

  /** GET that answers null for a 404. */
  async find(path) {
    try {
      return await this.get(path);
    } catch (error) {
      if (error.status === 404) return null;
      throw error;
    }
  }
}

export function bucketPath(kii, scope, scopeID, bucket) {
  const b = `buckets/${encodeURIComponent(bucket)}`;
  if (scope === "app") return `${kii.app}/${b}`;
  const segment = { user: "users", group: "groups", thing: "things" }[scope];
  return `${kii.app}/${segment}/${encodeURIComponent(scopeID)}/${b}`;
}

export function formatTime(ms) {
  if (!ms) return "";
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

export function pretty(value) {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}
