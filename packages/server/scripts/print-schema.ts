// Writes schema.graphql from the Pothos builder: `npm run schema:print -w @strata/server`.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { printStrataSchema } from "../src/schema/index.js";

const target = fileURLToPath(new URL("../schema.graphql", import.meta.url));
writeFileSync(target, printStrataSchema());
console.log(`wrote ${target}`);
