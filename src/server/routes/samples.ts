import type { FastifyInstance, FastifyRequest } from "fastify";
import { OpsError } from "../../core/errors.js";
import type { ServerDeps } from "../app.js";
import { parseSamples } from "./samples-parse.js";

/** `POST /api/v1/metrics`: pushed samples (DESIGN §4). 202 `{accepted}`; a bad batch is refused whole. */
export function sampleRoutes(
  app: FastifyInstance,
  deps: Pick<ServerDeps, "detection" | "probes" | "actions">,
): void {
  // A scope of its own, for its own JSON body parser (jsonBody); auth, error handling and the
  // body limit come from the parent as for every route.
  void app.register(async (scope) => {
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "string" }, jsonBody);
    scope.post("/api/v1/metrics", { config: { access: "ingest" } }, async (req, reply) => {
      const samples = parseSamples(req.body, {
        now: deps.actions.clock.now(),
        probe: (n) => deps.probes.get(n),
      });
      const { accepted } = deps.detection.ingest(samples);
      return reply.status(202).send({ accepted });
    });
  });
}

/**
 * Plain JSON.parse instead of fastify's default (secure-json-parse, which scans every body for
 * `__proto__` and `constructor` keys): at 500,000 samples/s that scan is measurable, and it is not
 * needed here, because parseSamples only reads the parsed objects field by field and never merges
 * them into others, refusing `__proto__` as an unknown field or label name.
 */
function jsonBody(
  _req: FastifyRequest,
  body: string | Buffer,
  done: (err: Error | null, body?: unknown) => void,
) {
  const text = typeof body === "string" ? body : body.toString("utf8");
  if (text.length === 0) {
    done(new OpsError("bad_request", 'the body is empty; expected JSON {"samples": [...]}'));
    return;
  }
  try {
    done(null, JSON.parse(text));
  } catch (err) {
    done(new OpsError("bad_request", `body is not valid JSON: ${(err as Error).message}`));
  }
}
