# Production image of accredpack. Not used by the tests (no Docker engine
# there); see compose.yaml for the service with MinIO and PostgreSQL.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# docker build --build-arg VERSION=0.14.0 .: what `accredpack version` and
# /healthz report (empty: devel and the VCS revision, if Go recorded one).
ARG VERSION=""
# Pure Go (SQLite through modernc): static binaries, the service and its
# sandbox child (parses untrusted PDFs; links nothing but that work).
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/ ./cmd/accredpack ./cmd/accredpack-child \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/accredpack /out/accredpack-child /usr/local/bin/
COPY --from=build --chown=65532:65532 /out/data /var/lib/accredpack
# The service starts accredpack-child, beside it, to parse PDFs in sandboxed
# children (one per file); it logs at start which child it uses.
ENV ACCREDPACK_ADDR=0.0.0.0:8080 \
    ACCREDPACK_DATA_DIR=/var/lib/accredpack \
    ACCREDPACK_LOG_FORMAT=json
VOLUME /var/lib/accredpack
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/usr/local/bin/accredpack"]
CMD ["serve"]
