// Small shared pieces: htm bound to Preact, an error line, a JSON field, a busy button.
import { h } from "preact";
import { useState } from "preact/hooks";
import htm from "htm";

export const html = htm.bind(h);

let counter = 0;
export function useId(prefix) {
  const [id] = useState(() => `${prefix}-${++counter}`);
  return id;
}

export function ErrorLine({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${String(error.message || error)}</p>`;
}

export function Field({ label, value, onInput, type = "text", name, placeholder, required, autocomplete }) {
  const id = useId(name || "field");
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input id=${id} name=${name} type=${type} value=${value} placeholder=${placeholder}
      required=${required} autocomplete=${autocomplete || "off"} spellcheck=${false}
      onInput=${(e) => onInput(e.currentTarget.value)} />
  </div>`;
}

export function TextArea({ label, value, onInput, name, rows = 8 }) {
  const id = useId(name || "text");
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <textarea id=${id} name=${name} rows=${rows} spellcheck=${false}
      onInput=${(e) => onInput(e.currentTarget.value)}>${value}</textarea>
  </div>`;
}

export function Select({ label, value, onChange, options, name }) {
  const id = useId(name || "select");
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <select id=${id} name=${name} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${options.map(([v, text]) => html`<option value=${v} selected=${v === value}>${text}</option>`)}
    </select>
  </div>`;
}

/** JSON text → value, or throws an Error naming the field. */
export function parseJSON(text, what) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not JSON: ${error.message}`);
  }
}

/** Runs an async action with a busy flag and an error slot; returns [run, busy, error, setError]. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function run(action) {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return [run, busy, error, setError];
}

export function Json({ value, label }) {
  return html`<pre class="json" aria-label=${label} tabindex="0">${JSON.stringify(value, null, 2)}</pre>`;
}
