import { builder } from "../builder.js";
import { requireScope } from "../auth/principal.js";
import { createToken, revokeToken } from "../auth/tokens.js";
import { NotFoundError } from "../errors.js";

export const ApiTokenRef = builder.prismaObject("ApiToken", {
  description: "An API token. Its secret is shown once, when it is created; only a hash is stored.",
  fields: (t) => ({
    name: t.exposeString("name"),
    prefix: t.exposeString("prefix", { description: "The secret's first characters, to tell tokens apart." }),
    scopes: t.exposeStringList("scopes"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    lastUsedAt: t.expose("lastUsedAt", { type: "DateTime", nullable: true, description: "Updated at most once a minute." }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

interface Created {
  secret: string;
  name: string;
}

const CreateTokenSuccess = builder.objectRef<Created>("CreateTokenSuccess").implement({
  fields: (t) => ({
    secret: t.exposeString("secret", { description: "The token itself. Store it now: it cannot be shown again." }),
    token: t.prismaField({
      type: "ApiToken",
      resolve: (query, created, _args, ctx) => ctx.db.prisma.apiToken.findUniqueOrThrow({ ...query, where: { name: created.name } }),
    }),
  }),
});

builder.queryField("tokens", (t) =>
  t.prismaField({
    type: ["ApiToken"],
    description: "Every API token, oldest first, revoked ones included. Requires `admin`.",
    resolve: (query, _root, _args, ctx) => {
      requireScope(ctx.principal, "admin");
      return ctx.db.prisma.apiToken.findMany({ ...query, orderBy: { createdAt: "asc" } });
    },
  }),
);

builder.mutationFields((t) => ({
  createToken: t.field({
    type: CreateTokenSuccess,
    errors: {},
    description: "Creates an API token with scopes read, launch, admin or location:<name>. Requires `admin`.",
    args: {
      name: t.arg.string({ required: true }),
      scopes: t.arg.stringList({ required: true }),
      expiresAt: t.arg({ type: "DateTime", required: false }),
    },
    resolve: async (_root, args, ctx) => {
      requireScope(ctx.principal, "admin");
      const created = await createToken(ctx.db.prisma, { name: args.name, scopes: args.scopes, expiresAt: args.expiresAt ?? null });
      return { secret: created.token, name: created.name };
    },
  }),
  revokeToken: t.prismaField({
    type: "ApiToken",
    description: "Revokes a token at once: requests with it fail from now on. Requires `admin`.",
    errors: { types: [NotFoundError] },
    args: { name: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      requireScope(ctx.principal, "admin");
      await revokeToken(ctx.db.prisma, args.name);
      return ctx.db.prisma.apiToken.findUniqueOrThrow({ ...query, where: { name: args.name } });
    },
  }),
}));
