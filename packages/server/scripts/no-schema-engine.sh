#!/bin/sh
# Stands in for Prisma's native schema engine, which `prisma generate` requires to exist but
# never runs. Strata applies migrations itself (src/db/migrator.ts).
echo "Strata does not use Prisma's schema engine: the server applies prisma/migrations at start-up." >&2
exit 1
