# One image for every NetSentinel service (sensor, detector, gateway, init): the compose file
# picks the service with the command.

# --- build: native addon (cap, for live capture) and the dashboard bundle ---
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ libpcap-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# npm ci builds the libpcap addon (native/pcap, allowScripts) and, through the prepare script,
# the dashboard bundle.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: libpcap and the app, no compilers ---
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpcap0.8 tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app /app
ENV NODE_ENV=production
# glibc gives every thread that allocates (libuv's pool, where gzip runs) its own 64 MB malloc
# arena; two arenas keep a sensor replaying at full speed ~20 MB smaller with no loss of rate.
ENV MALLOC_ARENA_MAX=2
# State of the sensor (its id) and of the gateway (generated credentials); named volumes
# mounted here inherit the node user's ownership.
RUN mkdir -p /var/lib/netsentinel && chown node:node /var/lib/netsentinel
# Non-root by default; the live-capture profile adds NET_RAW/NET_ADMIN and runs as root.
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/netsentinel.js"]
CMD ["--help"]
