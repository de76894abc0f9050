# Baton's container image (docs/deploy.md). One image for both ways of running it:
#   Socket Mode on the embedded database: SLACK_BOT_TOKEN + SLACK_APP_TOKEN, a volume on /data.
#   HTTP mode on PostgreSQL: SLACK_MODE=http, SLACK_SIGNING_SECRET, DATABASE_URL, any replicas.
# Migrations: `node dist/cli/db-migrate.js` (a one-shot container), or MIGRATE_ON_START=true.
#
# NODE_IMAGE lets a machine without a registry build on a base it assembled itself
# (scripts/smoke-image.sh); anything with Node 20.19+ at /usr/local/bin, npm, and a user 1000
# will do.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: install everything, generate the Prisma client, compile to JavaScript ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
# Dependencies first, so a change to the code reuses the installed layer. npm ci's postinstall
# (scripts/generate.mjs) generates the Prisma client from prisma/schema.prisma, offline.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts/generate.mjs ./scripts/generate.mjs
COPY prisma ./prisma
RUN npm ci
COPY . .
# The image runs compiled JavaScript: no TypeScript loader at run time, a faster start.
# Then the tools go: dev dependencies, and the dependencies a checkout needs to run from source
# but the image does not (the Prisma CLI, which generated the client above and brings ~200 MB;
# tsx; the schema engine behind `npm run db:diff`), struck from this stage's package.json only.
# --ignore-scripts: the client is generated already. npm 11 prunes: npm 10 keeps the Prisma CLI,
# an optional peer of @prisma/client, once installed.
RUN npm run build \
 && for entry in dist/main.js dist/cli/baton.js dist/cli/db-migrate.js dist/import-reader.js; do \
      test -f "$entry" || { echo "npm run build did not produce $entry" >&2; exit 1; }; \
    done \
 && npm pkg delete dependencies.prisma dependencies.tsx "dependencies.@prisma/schema-engine-wasm" \
 && npx --yes npm@11 prune --omit=dev --ignore-scripts

# ---- runtime: what Baton needs to run, owned by root, run by an unprivileged user ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    PLAYBOOK=/app/manifests/playbook.yml \
    LOG_FORMAT=json
WORKDIR /app
# package.json says "type": "module" for dist/; migrations are read from prisma/migrations.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# `node bin/baton.mjs import ...` starts the CSV import with the V8 flags that keep its memory flat.
COPY --from=build /app/bin ./bin
COPY --from=build /app/prisma/migrations ./prisma/migrations
COPY --from=build /app/manifests/playbook.yml ./manifests/playbook.yml
# The embedded database lives on a volume; unused when DATABASE_URL points at PostgreSQL.
RUN mkdir -p /data && chown 1000:1000 /data
VOLUME ["/data"]
# Numeric, so Kubernetes can check runAsNonRoot (it is the node user of the official images).
USER 1000:1000
EXPOSE 3000
# Node is PID 1 (no npm in between, which would not pass the signal on): Baton handles SIGTERM
# by finishing in-flight work within SHUTDOWN_TIMEOUT_MS (10 s) and closing the database.
# Give it longer than that: `docker stop -t 30`, stop_grace_period in compose.
STOPSIGNAL SIGTERM
# /healthz answers as soon as the port is open; no curl in the image, Node's fetch does it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The flag is the one `npm start` passes (docs/decisions/010): a smaller young generation, ~45 MB less.
CMD ["node", "--max-semi-space-size=4", "dist/main.js"]
