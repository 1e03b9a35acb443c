# deprovision-bot: the compiled bot on a slim Node 20, production dependencies only.
#   docker build -t deprovision-bot .
# test/packaging/image-steps.test.ts performs the runtime stage's steps outside Docker
# (its `npm ci` and its CMD, read from this file), so keep them on single lines.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
# A cache of its own, removed in the same layer: the image keeps node_modules only.
RUN npm ci --omit=dev --no-audit --no-fund --cache .npm-cache && rm -rf .npm-cache
COPY --from=build /app/dist ./dist
# The image's "node" user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000
# Node's own fetch: the slim image has no curl. /healthz answers in every BOT_ROLE.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: SIGTERM goes straight to Node, which stops the bot cleanly (no shell in between).
CMD ["node", "dist/main.js"]
