# Build a static, cgo-free citesd (the SQLite driver is pure Go) and ship it
# in a distroless image that runs as a non-root user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/citesd ./cmd/citesd \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/citesd /usr/local/bin/citesd
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV CITES_ADDR=:8080 CITES_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/citesd"]
CMD ["serve"]
