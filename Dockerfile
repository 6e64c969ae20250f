# syntax=docker/dockerfile:1
# Mirrors .ci/run: Debian's Chromium, npm ci (puppeteer-core never downloads a browser), tsc build.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Where TLS to the npm registry is inspected (a company proxy), pass that proxy's CA as the build secret
# `extra_ca` (a PEM bundle: `--secret id=extra_ca,src=/etc/ssl/certs/ca-certificates.crt`). It is mounted for
# this one step only and is in no layer; without it the build works as before.
RUN --mount=type=secret,id=extra_ca,required=false \
    if [ -s /run/secrets/extra_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca; fi \
    && npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
# chromium: the renderer's browser; fonts-noto-core covers Latin and Tamil; tini reaps Chromium's zombies.
# apt-get clean: a base without the official image's apt hook would otherwise keep ~280 MB of downloaded .debs.
RUN apt-get update \
  && apt-get install -y --no-install-recommends chromium fonts-noto-core fonts-liberation tini ca-certificates \
  && apt-get clean && rm -rf /var/lib/apt/lists/*
# CHROMIUM_SANDBOX=off: Docker's default seccomp profile refuses the user namespaces Chromium's sandbox needs
# (docs/rendering.md "Chromium's sandbox", ADR 0007: the container is the boundary; or run with a seccomp profile that allows them
# and set CHROMIUM_SANDBOX=on). Production also needs STORAGE_DRIVER and DEFAULT_FRONTEND_ORIGIN at run time.
ENV NODE_ENV=production \
    CHROME_PATH=/usr/bin/chromium \
    CHROMIUM_SANDBOX=off \
    PORT=8080 \
    STORAGE_DIR=/app/var/reports
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/var/reports && chown -R node:node /app/var
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
