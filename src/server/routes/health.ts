import type { FastifyInstance } from "fastify";

export function healthRoutes(app: FastifyInstance): void {
  app.get(
    "/healthz",
    { config: { access: "none", doc: { summary: "Liveness", responses: { 200: '`{"status":"ok"}`' } } } },
    async () => ({ status: "ok" }),
  );
}
