/**
 * What each route tells the OpenAPI document (src/server/openapi.ts) about itself, written next to
 * its handler as `config.doc`. The schemas named here are the very zod objects the handler passes
 * to `parseInput` and `perform`, so the document cannot describe an input the server does not take.
 * The access (scope) is not repeated here: the document reads it from `routeAccess`.
 */
import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import type { ErrorCode } from "../core/errors.js";

export interface RouteDoc {
  summary: string;
  /** Longer prose (markdown), e.g. where the format is documented. */
  description?: string;
  /** Path parameters: the object schema the handler parses `req.params` with. */
  params?: z.ZodType;
  /** Query string: the object schema the handler parses `req.query` with. */
  query?: z.ZodType;
  /**
   * The request body: the action's `input` (or the schema the handler parses with). Keys that the
   * handler fills from the path (`{...body, id}`) are dropped from it in the document.
   */
  body?: z.ZodType;
  /** A body read by a hand-written parser (no zod schema): what it is, in prose. */
  bodyText?: string;
  /** Success replies: status → what the reply holds. */
  responses: Record<number, string>;
  /** Content types of the success reply (default `application/json`). */
  produces?: readonly string[];
  /** Error codes besides the ones implied by auth, inputs and path parameters. */
  errors?: readonly ErrorCode[];
}

declare module "fastify" {
  interface FastifyContextConfig {
    doc?: RouteDoc;
  }
}

/** `METHOD url` → doc, for every route added after this call (HEAD twins excluded). */
export type RouteDocs = ReadonlyMap<string, RouteDoc>;

export const routeKey = (method: string, url: string): string => `${method} ${url}`;

export function collectRouteDocs(app: FastifyInstance): RouteDocs {
  const docs = new Map<string, RouteDoc>();
  app.addHook("onRoute", (route) => {
    const doc = route.config?.doc;
    if (!doc) return;
    for (const method of [route.method].flat()) {
      if (method !== "HEAD") docs.set(routeKey(method, route.url), doc);
    }
  });
  return docs;
}

/** `docs` with each action's `input` as the body of the doc under the same key. */
export function withBodies<K extends string>(
  docs: Record<K, RouteDoc>,
  actions: Partial<Record<K, { input: z.ZodType }>>,
): Record<K, RouteDoc> {
  const out = { ...docs };
  for (const [key, action] of Object.entries(actions) as [K, { input: z.ZodType } | undefined][]) {
    if (action) out[key] = { ...docs[key], body: action.input };
  }
  return out;
}
