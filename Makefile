# kubectl-multinet. `make demo` and `make test` are the two entry points (see README.md).
SHELL := /usr/bin/env bash
VERSION ?= v0.1.0
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
FUZZTIME ?= 20s

.PHONY: all build testbin test go-test vmtest krew-check dist fuzz demo demo-down bench-status bench-ipam bench-cni lint clean

all: build

build: ## Build bin/kubectl-multinet.
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o bin/kubectl-multinet ./cmd/kubectl-multinet

testbin: ## Build (or reuse) kube-apiserver, kubectl and etcd from their Go modules into the cache.
	hack/testbin.sh

test: lint go-test vmtest dist krew-check ## Everything CI runs.

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	go vet ./...

go-test: ## Unit, golden and fuzz-seed tests, and integration tests against a real kube-apiserver + etcd (envtest).
	KUBEBUILDER_ASSETS=$$(hack/testbin.sh) go test -count=1 ./...

vmtest: ## ipvlan tests in a QEMU guest with Debian's cloud kernel (this host's kernel has no ipvlan).
	rm -rf _out/vmtest-bin && mkdir -p _out/vmtest-bin
	CGO_ENABLED=0 go build -o _out/vmtest-bin/static github.com/containernetworking/plugins/plugins/ipam/static
	VMTEST_FILES=$(CURDIR)/_out/vmtest-bin CGO_ENABLED=0 go test -count=1 -tags vmtest -exec $(CURDIR)/hack/vmtest.sh -run 'IPvlan' -v ./pkg/cni

dist: ## Release archives for every krew platform and dist/multinet.yaml.
	VERSION=$(VERSION) hack/dist.sh

krew-check: ## Validate the krew manifest with krew's own validator, installing every platform.
	VERSION=$(VERSION) hack/krew-check.sh

FUZZ_TARGETS := inspect:FuzzParseNetworks inspect:FuzzInspectPod inspect:FuzzParseConfig iprange:FuzzParse \
	dump:FuzzRead status:FuzzJSONWriter doctor:FuzzClassify doctor:FuzzORIPName

fuzz: ## Run each fuzz target for FUZZTIME.
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t#*:}; \
	  echo "fuzz: $$pkg $$fn"; go test ./pkg/$$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) || exit 1; done

demo: build ## Start a local control plane, seed a multi-network scenario, run status against it.
	hack/demo.sh

demo-down: ## Stop the demo's control plane and remove its state.
	hack/cluster.sh down _out/demo

bench-status: build ## 10,000 pods: status and doctor vs kubectl get pods vs a metadata list.
	hack/bench-status.sh

bench-cni: ## 100 ADD/DEL cycles: multinet-macvlan + multinet-ipam vs macvlan v1.9.1 + host-local.
	hack/bench-cni.sh

bench-ipam: ## 1000 ADDs/DELs on a /16 at concurrency 1 and 50: multinet-ipam vs whereabouts v0.9.3.
	hack/bench-ipam.sh

clean:
	rm -rf bin dist _out
