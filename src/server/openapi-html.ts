/**
 * `GET /api/docs`: the OpenAPI document as one self-contained HTML page, rendered on the server
 * from the same JSON that `/api/v1/openapi.json` serves. No script, no CDN, no external asset: the
 * page works offline and under a CSP that forbids everything but its own inline style.
 */
type Json = Record<string, unknown>;

const esc = (s: unknown): string =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** Inline code spans (`x`) in prose, after escaping. */
const prose = (s: unknown): string => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1b1f24}
h1{margin-bottom:.2rem} h2{border-bottom:1px solid #ccd;margin-top:2rem;text-transform:capitalize}
.op{border:1px solid #ccd;border-radius:6px;margin:.8rem 0;padding:.4rem .8rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}
.GET{color:#0a5} .POST{color:#05a} .DELETE{color:#b22} .path{font-family:monospace;font-weight:600}
.scope{float:right;font-size:.85rem;border-radius:4px;padding:0 .4rem;background:#eef}
.scope.none{background:#efe} .scope.admin{background:#fde} .scope.operate{background:#ffe8cc}
table{border-collapse:collapse;margin:.3rem 0} td,th{border:1px solid #dde;padding:.15rem .5rem;text-align:left;vertical-align:top}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:.8rem} code{background:#f0f2f4;padding:0 .2rem}
summary{cursor:pointer;color:#345}`;

export function renderApiDocs(doc: Json): string {
  const info = (doc.info ?? {}) as Json;
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = String((op.tags as string[] | undefined)?.[0] ?? "other");
      byTag.set(tag, [...(byTag.get(tag) ?? []), renderOperation(method.toUpperCase(), path, op)]);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2 id="${esc(tag)}">${esc(tag)}</h2>\n${ops.join("\n")}`);
  const toc = [...byTag.keys()].map((t) => `<a href="#${esc(t)}">${esc(t)}</a>`).join(" · ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)} ${esc(info.version)}</title><style>${STYLE}</style></head>
<body><h1>${esc(info.title)}</h1><p>version ${esc(info.version)} · OpenAPI ${esc(doc.openapi)} ·
<a href="/api/v1/openapi.json">openapi.json</a></p><p>${prose(info.description)}</p>
<p>Scopes: <code>none</code> needs no token; <code>board</code> needs <code>read</code> unless the
public board is on; admin ⊇ operate ⊇ read; ingest stands alone.</p>
<nav>${toc}</nav>
${sections.join("\n")}
</body></html>
`;
}

function renderOperation(method: string, path: string, op: Json): string {
  const access = String(op["x-access"] ?? "");
  const params = (op.parameters ?? []) as Json[];
  const body = op.requestBody as Json | undefined;
  const bodySchema = (((body?.content as Json | undefined)?.["application/json"] as Json | undefined)
    ?.schema ?? undefined) as Json | undefined;
  const parts = [
    `<div class="op" id="${esc(op.operationId)}"><span class="scope ${esc(access)}">scope: ${esc(access)}</span>`,
    `<span class="m ${method}">${method}</span> <span class="path">${esc(path)}</span>`,
    `<p>${prose(op.summary)}${op.description ? `<br>${prose(op.description)}` : ""}</p>`,
  ];
  if (params.length) {
    const rows = params.map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? "required" : ""}</td>` +
        `<td>${esc(typeOf(p.schema as Json))}</td><td>${prose(p.description ?? "")}</td></tr>`,
    );
    parts.push(
      `<table><tr><th>parameter</th><th>in</th><th></th><th>type</th><th></th></tr>${rows.join("")}</table>`,
    );
  }
  if (body) {
    parts.push(
      `<p>Body${body.required ? "" : " (optional)"}${body.description ? `: ${prose(body.description)}` : ""}</p>`,
    );
    if (bodySchema) parts.push(renderFields(bodySchema), details("body schema", bodySchema));
  }
  const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
    .map(([status, r]) => `<tr><td>${esc(status)}</td><td>${prose(r.description)}</td></tr>`)
    .join("");
  parts.push(`<details><summary>responses</summary><table>${responses}</table></details></div>`);
  return parts.join("\n");
}

/** One row per top-level key of an object body (unions and refs: see the full schema below it). */
function renderFields(schema: Json): string {
  const props = schema.properties as Record<string, Json> | undefined;
  const variants = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
  if (!props && variants) {
    // A union of kinds (a probe's `type`): one table per kind, named by its constant.
    const tables = variants
      .map((v) => {
        const kind = (v.properties as Record<string, Json> | undefined)?.type?.const;
        const title = kind === undefined ? "or" : `<code>type: ${esc(kind)}</code>`;
        return `<p>${title}</p>${renderFields(v)}`;
      })
      .join("");
    return `<details><summary>fields, by kind</summary>${tables}</details>`;
  }
  if (!props) return "";
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(props).map(
    ([name, s]) =>
      `<tr><td><code>${esc(name)}</code></td><td>${required.has(name) ? "required" : ""}</td>` +
      `<td>${esc(typeOf(s))}</td><td>${prose(s.description ?? "")}</td></tr>`,
  );
  return `<table><tr><th>field</th><th></th><th>type</th><th></th></tr>${rows.join("")}</table>`;
}

const details = (title: string, schema: Json) =>
  `<details><summary>${esc(title)}</summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`;

/** A short human name for a schema's type: `string`, `integer 1..1000`, `"a" | "b"`, `A | B`. */
export function typeOf(s: Json | undefined): string {
  if (!s) return "";
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alts = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (alts) return alts.map(typeOf).join(" | ");
  if (typeof s.$ref === "string") return s.$ref.split("/").pop() ?? "";
  if (s.type === "array") return `${typeOf(s.items as Json | undefined) || "any"}[]`;
  // zod bounds every integer by the safe range; only a real bound is worth showing.
  const max = s.maximum === Number.MAX_SAFE_INTEGER ? undefined : s.maximum;
  const min = s.minimum === Number.MIN_SAFE_INTEGER ? undefined : s.minimum;
  const range = min !== undefined || max !== undefined ? ` ${min ?? ""}..${max ?? ""}` : "";
  return `${String(s.type ?? "any")}${s.format ? ` (${String(s.format)})` : ""}${range}`;
}
