# The multinet-cni image that `kubectl multinet install` runs on every node: one static binary that is
# the CNI plugins (multinet-macvlan, multinet-ipvlan, multinet-ipam), the node agent and the logs
# helper. Build: docker build -t REGISTRY/multinet-cni:VERSION --build-arg VERSION=VERSION .
# (The local lab builds the same image without Docker: hack/node.sh, test/ocitar.)
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/multinet-cni ./cmd/multinet-cni

FROM scratch
COPY --from=build /out/multinet-cni /multinet-cni
ENTRYPOINT ["/multinet-cni"]
