# Parley as one container: the build stage compiles dist/parley; the final image holds only that binary.
#   docker build -t parley .
#   docker run -p 3000:3000 -v parley-data:/data parley

FROM oven/bun:1.4.4 AS build
WORKDIR /src
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile
COPY . .
RUN bun run build

FROM debian:bookworm-slim
RUN groupadd --gid 10001 parley \
 && useradd --uid 10001 --gid parley --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin parley \
 && mkdir /data && chown parley:parley /data
COPY --from=build /src/dist/parley /app/parley
USER parley
WORKDIR /app
ENV DATA_DIR=/data HOST=0.0.0.0 PORT=3000
VOLUME /data
EXPOSE 3000
# No curl in the image: bash's /dev/tcp speaks just enough HTTP to read the status line of /healthz.
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ \"$code\" = 200 ]"]
CMD ["/app/parley"]
