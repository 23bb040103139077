import { configJsonSchema } from "../../config/index.js";

export function schema(): void {
  process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
}
