/** `npm run check -w @strata/repo-checks`: prints what the repository checks find; exit 1 if anything. */
import { fileURLToPath } from "node:url";
import { readWorkspaces, undeclaredWorkspaceImports, workspaceCycle } from "./workspace-imports.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const packages = readWorkspaces(root);
const undeclared = undeclaredWorkspaceImports(root, packages);
for (const u of undeclared)
  console.error(`${u.file}:${u.line}: ${u.packageName} imports ${u.imported} without declaring it in its package.json`);
const cycle = workspaceCycle(packages);
if (cycle) console.error(`workspace packages depend on each other in a cycle: ${cycle.join(" → ")}`);
if (undeclared.length || cycle) process.exit(1);
console.log(`${packages.length} workspace packages: every workspace import is declared, and no cycle.`);
