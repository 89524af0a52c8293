# quarry's container image, for machines with Docker (or any OCI builder).
# Without a Docker engine, scripts/image builds an equivalent, smaller image
# (only the binary and the libraries it links); see deploy/README.md.
#
#   docker build -t quarry:0.1.0 .
#
# Stage 1 builds quarry with the project's own setup script and CMake.
FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN scripts/setup \
 && cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build /build --target quarry \
 && objcopy --strip-debug /build/cli/quarry /quarry

# Stage 2: the runtime libraries quarry links, the tz database (quota resets,
# schedules) and CA certificates (HTTPS APIs, Kafka over TLS); non-root.
FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libcaf-core0.17 libcaf-io0.17 libcaf-openssl0.17 libcpp-httplib0.11 libcurl4 libdate-tz3 libfmt9 \
      libprometheus-cpp-core1.0 libpugixml1v5 librdkafka1 libspdlog1.10 libssl3 \
      tzdata ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 quarry \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin quarry
COPY --from=build /quarry /usr/local/bin/quarry
USER 65532:65532
WORKDIR /tmp
EXPOSE 9464 4242
ENTRYPOINT ["/usr/local/bin/quarry"]
CMD ["--help"]
