# syntax=docker/dockerfile:1
# slsguard as a container image: the binary only, run as a non-root user.
#   docker build -t slsguard .
#   docker run --rm -v "$PWD:/src:ro" slsguard scan .
# The image has no git: --staged, --from-index and --changed-since need git and are for
# installs on the machine that holds the repository (docs/ci.md).

FROM rust:1-slim-bookworm AS build
WORKDIR /build
# Only what the build reads (rules/ and data/ are embedded in the binary).
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY rules ./rules
COPY data ./data
RUN cargo build --release --locked \
    && strip target/release/slsguard

# Distroless: glibc and CA certificates, no shell, no package manager; uid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /build/target/release/slsguard /usr/local/bin/slsguard
USER nonroot:nonroot
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/slsguard"]
CMD ["scan", "."]
