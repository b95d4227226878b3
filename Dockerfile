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

# Debian rather than distroless: the scans are read by Tesseract (Russian and
# orientation models) on page images that poppler takes from the PDFs; both
# are external programs the sandbox child starts.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-rus tesseract-ocr-osd poppler-utils ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd -g 65532 nonroot && useradd -u 65532 -g 65532 -M -s /usr/sbin/nologin nonroot
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
