#!/usr/bin/env node
// Starts the server from the environment and listens (start.ts). graphql-js reads NODE_ENV once,
// when it loads: outside production it checks every `instanceof` of its types for a second copy
// of graphql, which cost ~5 % of the server's CPU while ingesting a run's events. So NODE_ENV
// defaults to production before anything imports it; a value set by the operator is kept.
process.env.NODE_ENV ??= "production";
await import("./start.js");
