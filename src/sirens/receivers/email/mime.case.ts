/**
 * Just enough MIME reading for tests to check what an SMTP server received: unfolded headers,
 * RFC 2047 encoded words, multipart/alternative and the quoted-printable and base64 transfer
 * encodings nodemailer uses. Never part of the build.
 */

export interface ReadMail {
  /** Lower-case names; values unfolded and decoded. */
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
}

export function readMail(raw: string): ReadMail {
  const { headers, body } = splitPart(raw);
  const parts: Record<string, string> = {};
  collect(headers, body, parts);
  return {
    headers,
    subject: headers.subject ?? "",
    text: parts["text/plain"] ?? "",
    html: parts["text/html"] ?? "",
  };
}

function collect(headers: Record<string, string>, body: string, out: Record<string, string>): void {
  const type = headers["content-type"] ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith("multipart/") && boundary) {
    const chunks = body.split(`--${boundary}`).slice(1);
    for (const chunk of chunks) {
      if (chunk.startsWith("--")) break;
      const part = splitPart(chunk.replace(/^\r?\n/, ""));
      collect(part.headers, part.body, out);
    }
    return;
  }
  const mime = type.split(";")[0]!.trim().toLowerCase();
  out[mime] = decodeBody(body, headers["content-transfer-encoding"] ?? "7bit");
}

function splitPart(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at === -1 ? raw : raw.slice(0, at);
  const body = at === -1 ? "" : raw.slice(at).replace(/^\r?\n\r?\n/, "");
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string): string {
  const enc = encoding.toLowerCase();
  if (enc === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (enc === "quoted-printable") return decodeQp(body);
  return body;
}

function decodeQp(text: string): string {
  const soft = text.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i]!;
    if (c === "=" && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** `=?UTF-8?Q?...?=` and `=?UTF-8?B?...?=`; whitespace between adjacent words is dropped. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_m, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === "B"
        ? Buffer.from(data, "base64").toString("utf8")
        : decodeQp(data.replace(/_/g, " ")),
    );
}
