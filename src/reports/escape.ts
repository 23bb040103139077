/** Escaping for HTML text and attribute values (every config- or label-derived string passes here). */
const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function esc(v: string | number | null | undefined): string {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}
