# The ReasoningBank MCP server (apps/reasoning-bank) with the embedding model, for docker-compose.yml.
# Debian 12 (glibc 2.36): the repo pins Chroma's native binding to 1.0.5, which loads there.
FROM node:20-bookworm-slim AS build
WORKDIR /repo
# onnxruntime-node's install step only downloads CUDA add-ons (its CPU binaries ship in its tarball).
ENV ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip CI=true NX_DAEMON=false
COPY package.json package-lock.json nx.json tsconfig.base.json tsconfig.json jest.preset.js eslint.config.mjs ./
COPY tools ./tools
COPY packages ./packages
COPY apps ./apps
# npm ci also fetches and verifies the model into .models (root postinstall).
RUN npm ci --no-audit --no-fund \
 && npx nx run @rb/reasoning-bank:build --outputStyle=static \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /repo
ENV NODE_ENV=production RB_DATA_DIR=/data RB_MODEL_DIR=/repo/.models RB_HOST=0.0.0.0 RB_PORT=3917
COPY --from=build /repo /repo
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3917
# Beyond loopback the server requires RB_AUTH_TOKEN (it refuses to start without it).
CMD ["node", "apps/reasoning-bank/dist/cli.js", "serve", "--http"]
