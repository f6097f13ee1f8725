// A browser's XMLHttpRequest Level 2 (Blob bodies, responseType 'blob') over Node's fetch.
// kii-cloud-sdk's body methods need one ("this requires XMLHttpRequest Level 2, FileReader
// and Blob supports"); its Node build binds the npm `xmlhttprequest` package, which sends
// strings only. Installing this one in that package's place leaves the SDK itself unchanged.
'use strict';

class XHR2 {
  constructor() {
    this.withCredentials = false;
    this.readyState = 0;
    this.status = 0;
    this.responseType = '';
    this.response = null;
    this.responseText = '';
    this.onreadystatechange = null;
    this._headers = {};
    this._responseHeaders = new Headers();
    this._listeners = {};
    this.upload = {addEventListener() {}};
  }

  open(method, url) {
    this._method = method;
    this._url = url;
    this.readyState = 1;
  }

  setRequestHeader(name, value) {
    this._headers[name] = value;
  }

  addEventListener(name, listener) {
    (this._listeners[name] = this._listeners[name] || []).push(listener);
  }

  getResponseHeader(name) {
    return this._responseHeaders.get(name);
  }

  getAllResponseHeaders() {
    return [...this._responseHeaders].map(([k, v]) => `${k}: ${v}`).join('\r\n');
  }

  send(data) {
    const body = data === undefined || data === null ? undefined : data;
    fetch(this._url, {method: this._method, headers: this._headers, body, redirect: 'follow'})
      .then(async (reply) => {
        this.status = reply.status;
        this._responseHeaders = reply.headers;
        const bytes = Buffer.from(await reply.arrayBuffer());
        this.responseText = bytes.toString('utf8');
        this.response = this.responseType === 'blob'
          ? new Blob([bytes], {type: reply.headers.get('content-type') || ''})
          : this.responseText;
      })
      .catch(() => {
        this.status = 0;
      })
      .finally(() => {
        this.readyState = 4;
        if (this.onreadystatechange) this.onreadystatechange();
        for (const listener of this._listeners.load || []) listener({target: this});
      });
  }
}

// The SDK's Node build does `require('xmlhttprequest').XMLHttpRequest` when it loads.
require('xmlhttprequest').XMLHttpRequest = XHR2;
// Its download failure path reads error bodies with a FileReader.
global.FileReader = global.FileReader || class {
  readAsText(blob) {
    blob.text().then((text) => { this.result = text; if (this.onload) this.onload(); });
  }
};
module.exports = XHR2;
