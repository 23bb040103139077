import type { FastifyInstance, FastifyRequest } from "fastify";
import { OpsError } from "../../core/errors.js";
import type { SampleInput } from "../../series/index.js";
import type { ServerDeps } from "../app.js";
import type { RouteDoc } from "../route-docs.js";
import { type ParseContext, parseSamples } from "./samples-parse.js";
import { scanSamples } from "./samples-scan.js";

/** For the OpenAPI document (src/server/route-docs.ts); the body is read by samples-scan/-parse. */
const doc: RouteDoc = {
  summary: "Push samples (not audited: data, not a change)",
  bodyText:
    "`{samples: [{probe?, metric?, value, labels?, ts?}]}` (DESIGN §4, docs/ingest.md): a sample with `probe` " +
    "belongs to that push probe (`metric` defaults to `value`), one without needs `metric`; `ts` is epoch ms " +
    "(default now). A bad batch is refused whole with 400 naming the index and field.",
  responses: { 202: "`{accepted}`" },
};

/** `POST /api/v1/metrics`: pushed samples (DESIGN §4). 202 `{accepted}`; a bad batch is refused whole. */
export function sampleRoutes(
  app: FastifyInstance,
  deps: Pick<ServerDeps, "detection" | "probes" | "actions">,
): void {
  // A scope of its own, for its own JSON body parser (jsonBytes); auth, error handling and the
  // body limit come from the parent as for every route.
  void app.register(async (scope) => {
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "buffer" }, jsonBytes);
    scope.post("/api/v1/metrics", { config: { access: "ingest", doc } }, async (req, reply) => {
      const samples = samplesOf(req.body as Buffer, {
        now: deps.actions.clock.now(),
        probe: (n) => deps.probes.get(n),
      });
      const { accepted } = deps.detection.ingest(samples);
      return reply.status(202).send({ accepted });
    });
  });
}

/**
 * The body stays bytes here: fastify's default JSON parser (secure-json-parse) would decode it,
 * build every object and scan the text for `__proto__`/`constructor` besides. samplesOf reads
 * plain bodies without building objects (samples-scan.ts) and JSON.parse-s the rest; parseSamples
 * only reads the parsed objects field by field and never merges them, refusing `__proto__` as an
 * unknown field or label name, so prototype poisoning has nothing to act on.
 */
function jsonBytes(
  _req: FastifyRequest,
  body: string | Buffer,
  done: (err: Error | null, body?: unknown) => void,
): void {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  if (bytes.length === 0)
    done(new OpsError("bad_request", 'the body is empty; expected JSON {"samples": [...]}'));
  else done(null, bytes);
}

function samplesOf(bytes: Buffer, ctx: ParseContext): SampleInput[] {
  const fast = scanSamples(bytes, ctx);
  if (fast !== undefined) return fast;
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new OpsError("bad_request", `body is not valid JSON: ${(err as Error).message}`);
  }
  return parseSamples(body, ctx);
}
