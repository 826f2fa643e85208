# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with dev dependencies, then keep only production ones.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY ui ./ui
# The web console is bundled into dist/ui (esbuild is a dev dependency, so before the prune).
RUN npx tsc -p tsconfig.json && npx tsc -p ui/tsconfig.json && node ui/build.mjs && npm prune --omit=dev

# Runtime stage: Node 20 plus Python 3 with venv for pip-installed MCP servers; runs as a non-root user.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-pip ca-certificates tini bubblewrap \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    PACKAGES_DIR=/packages \
    PYTHON_BIN=/usr/bin/python3 \
    PYTHON_VENV_DIR=/packages/python
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/ui ./dist/ui
RUN groupadd --system mcp && useradd --system --gid mcp --home-dir /home/mcp --create-home mcp \
 && mkdir -p /data /packages && chown mcp:mcp /data /packages
USER mcp
VOLUME ["/data", "/packages"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# tini reaps orphans and forwards signals, so the gateway's shutdown ladder runs on `docker stop`.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
