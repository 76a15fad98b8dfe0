# One MockMate API instance. docker-compose.yml runs two of them behind nginx.
# The web app is built in a stage with the dev dependencies (Vite, React);
# the image only gets its static files (web/dist).
FROM node:20-bookworm-slim AS web
WORKDIR /build
COPY package.json package-lock.json .npmrc ./
COPY prisma ./prisma
COPY scripts ./scripts
RUN npm install
COPY web ./web
RUN npx tsx scripts/build-web.ts

FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    PORT=4000

# npm runs scripts with `sh -c`; dash stays in between and does not pass
# SIGTERM on, so `docker stop` would kill the server without draining.
# bash execs the single command, so npm -> tsx -> node all get the signal.
ENV NPM_CONFIG_SCRIPT_SHELL=/bin/bash

WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first so they stay cached while only src/ changes. The
# postinstall (`prisma generate`) needs prisma/. Not `npm ci`: see the README (Quick start).
COPY --chown=node:node package.json package-lock.json .npmrc ./
COPY --chown=node:node prisma ./prisma
COPY --chown=node:node scripts ./scripts
RUN npm install --omit=dev

COPY --chown=node:node tsconfig.json schema.graphql ./
COPY --chown=node:node src ./src
COPY --chown=node:node --from=web /build/web/dist ./web/dist

EXPOSE 4000
# `npm start` runs `node --import tsx src/main.ts`: migrations are applied at
# start, and SIGTERM (docker stop) drains connections and exits 0.
CMD ["npm", "start"]
