// Module imagetar builds OCI image archives with go-containerregistry: the multinet-cni image
// (make image) and the lab's images (hack/node.sh), without a Docker engine.
module kubectl-multinet/imagetar

go 1.26

require github.com/google/go-containerregistry v0.22.1

require (
	github.com/klauspost/compress v1.19.2 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	golang.org/x/sync v0.22.0 // indirect
)
