# Build: a static set of Rust crates, no C libraries needed (diesel talks to PostgreSQL through
# tokio-postgres, TLS is rustls).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY migrations ./migrations
COPY data ./data
RUN cargo build --release --locked --bin smartregion

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 smartregion
COPY --from=build /src/target/release/smartregion /usr/local/bin/smartregion
USER smartregion
ENV SMARTREGION_BIND=0.0.0.0:8080 \
    SMARTREGION_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
    CMD curl -fsS http://127.0.0.1:8080/health/ready || exit 1
ENTRYPOINT ["smartregion"]
CMD ["serve"]
