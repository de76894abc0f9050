// Baton's architecture rules, checked by `npm run lint` (and so by CI): the layers of
// docs/architecture.md. A rule broken here is a design decision to discuss, not to silence.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "Files that import each other cannot be understood (or changed) one at a time.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "domain-is-pure",
      comment:
        "src/domain is the product's rules as plain functions over plain data: no Slack, Bolt, Prisma, database, outbox or use cases.",
      severity: "error",
      from: { path: "^src/domain/" },
      to: {
        path: [
          "^src/(slack|outbox|db|services|http|jobs|sla|read-models|ai|intake|import|cli)/",
          "^src/(baton|main|context|logger|metrics)\\.ts$",
          "^node_modules/(@slack|@prisma|pg|pglite|@electric-sql|openai|pino)",
        ],
      },
    },
    {
      name: "services-know-no-slack",
      comment:
        "Use cases emit facts; Slack (or any surface) renders them at the edge. Another surface must be able to call the same use cases.",
      severity: "error",
      from: { path: "^src/services/" },
      to: { path: ["^src/slack/", "^node_modules/@slack/"] },
    },
    {
      name: "read-models-render-nothing",
      comment: "Read models load what surfaces show; renderers import them, never the other way.",
      severity: "error",
      from: { path: "^src/read-models/" },
      to: { path: ["^src/slack/", "^src/outbox/", "^src/services/", "^node_modules/@slack/"] },
    },
    {
      name: "renderers-are-pure",
      comment:
        "Block Kit comes from pure builders: they read views, never the database, the outbox or use cases.",
      severity: "error",
      from: { path: "^src/slack/blocks/" },
      to: { path: ["^src/db/", "^src/outbox/", "^src/services/", "^src/sla/"] },
    },
    {
      name: "ai-is-not-slack",
      comment: "The AI brief reads the lead, not the card it will be shown on.",
      severity: "error",
      from: { path: "^src/ai/" },
      to: { path: ["^src/slack/", "^node_modules/@slack/"] },
    },
    {
      name: "outbox-contract-is-typed",
      comment:
        "Only the outbox contract writes outbox rows through Prisma (a bulk writer inserts NewMessage rows in SQL).",
      severity: "error",
      from: { path: "^src/(services|sla|slack|http|jobs)/" },
      to: { path: "^src/outbox/outbox-store\\.ts$" },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript API to parse with; swc reads the TypeScript here.
    parser: "swc",
    tsConfig: { fileName: "tsconfig.json" },
    // Prisma's generated client is read as a dependency (the domain must not import it), not
    // cruised itself.
    doNotFollow: { path: ["node_modules", "^src/db/generated/"] },
  },
};
