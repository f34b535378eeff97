# syntax=docker/dockerfile:1
# Jobbot's image: docker build -t jobbot . (README.md, "Container image").
# Every stage starts from the same Node 20 image, so the native addon built in `deps` runs in the
# runtime stage against the same Node ABI and glibc.
ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only. better-sqlite3 downloads a prebuilt addon where one fits, else
# compiles it: hence the compiler here, and only here.
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
# Keep the addon, drop its sources and build intermediates (about 27 MB).
RUN cd node_modules/better-sqlite3 \
  && cp build/Release/better_sqlite3.node . \
  && rm -rf build deps src \
  && mkdir -p build/Release \
  && mv better_sqlite3.node build/Release/

# TypeScript to dist/. Compiling needs the type packages, not the native addon, so install scripts
# are skipped and no compiler is needed.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime: no compiler, no dev dependencies, no npm at start, files owned by root and read-only to
# the app, which writes only to /data (the database) and /tmp. Runs with a read-only root file system.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    JOBBOT_DB=/data/jobbot.db
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The image's `node` user, by number: Kubernetes can only verify runAsNonRoot for a numeric user.
RUN mkdir -p /data && chown 1000:1000 /data
USER 1000:1000
VOLUME ["/data"]
EXPOSE 3000
# Liveness only (/healthz: the process serves HTTP). Readiness (/readyz) also needs Slack, which a
# health check that restarts containers should not depend on. Slim images have no curl: node's fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node runs as PID 1 and Jobbot handles SIGTERM and SIGINT itself (graceful stop, exit 0). It starts
# no child processes, so nothing needs reaping and no init (tini, docker run --init) is required.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
