# Production image of accredpack. Not used by the tests (no Docker engine
# there); see compose.yaml for the service with MinIO and PostgreSQL.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Pure Go (SQLite through modernc): a static binary.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/accredpack ./cmd/accredpack \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/accredpack /usr/local/bin/accredpack
COPY --from=build --chown=65532:65532 /out/data /var/lib/accredpack
# The binary re-executes itself to parse PDFs in a sandboxed child.
ENV ACCREDPACK_ADDR=0.0.0.0:8080 \
    ACCREDPACK_DATA_DIR=/var/lib/accredpack \
    ACCREDPACK_LOG_FORMAT=json
VOLUME /var/lib/accredpack
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/usr/local/bin/accredpack"]
CMD ["serve"]
