import type { FastifyInstance } from "fastify";

export function healthRoutes(app: FastifyInstance): void {
  app.get("/healthz", { config: { access: "none" } }, async () => ({ status: "ok" }));
}
