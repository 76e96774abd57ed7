# syntax=docker/dockerfile:1
#
# Builds a gopherless Lambda function reproducibly, and serves as a container image function.
#
#   docker build --build-arg ENTRY=examples/hello.ts -t hello .                  # x86_64 image
#   docker build --platform linux/arm64 --build-arg ENTRY=examples/hello.ts -t hello-arm64 .
#   docker build --target zip --output type=local,dest=dist --build-arg ENTRY=examples/hello.ts .
#                                                      # just dist/bootstrap.zip, for a zip upload
#   docker run --rm -p 9000:8080 hello                 # the base image's emulator, then:
#   curl -d '{"name":"Ada"}' localhost:9000/2015-03-31/functions/function/invocations
#
# The build stage runs on the build machine's own platform and cross-compiles for the image's
# (deno compile --target), so an arm64 image needs no emulation to build.

ARG DENO_VERSION=2.9.6

FROM --platform=$BUILDPLATFORM denoland/deno:${DENO_VERSION} AS build
ARG ENTRY=examples/hello.ts
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN set -eu; \
    case "${TARGETARCH:-amd64}" in arm64) arch=arm64 ;; *) arch=x86_64 ;; esac; \
    deno task build "$ENTRY" --arch "$arch" --out /dist; \
    mkdir -p /out; \
    mv "/dist/$arch/bootstrap.zip" /out/bootstrap.zip; \
    mv "/dist/$arch" /pkg

# `--target zip`: the deployment package alone.
FROM scratch AS zip
COPY --from=build /out/bootstrap.zip /bootstrap.zip

# The container image function: the provided.al2023 base runs ${LAMBDA_RUNTIME_DIR}/bootstrap
# (through its entrypoint, which also starts the Runtime Interface Emulator when run locally).
FROM public.ecr.aws/lambda/provided:al2023
COPY --from=build /pkg/ ${LAMBDA_RUNTIME_DIR}/
CMD ["bootstrap"]
