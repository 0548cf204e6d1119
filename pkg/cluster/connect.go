package cluster

import (
	"fmt"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
)

// Client-side rate limits of every command, as kubectl sets them: a paginated list of a large
// cluster must not wait on client-go's default of 5 requests a second.
const (
	QPS   = 50
	Burst = 300
)

// Clients are the API clients of one command, all from one REST config.
type Clients struct {
	// Config is the REST config with QPS and Burst applied.
	Config    *rest.Config
	Dynamic   dynamic.Interface
	Metadata  metadata.Interface
	Discovery discovery.DiscoveryInterface
	Kube      kubernetes.Interface
	// Core is a raw client for /api (core/v1), for server-side Tables.
	Core rest.Interface
}

// RESTConfig loads the kubeconfig getter points at, with QPS and Burst applied.
func RESTConfig(getter genericclioptions.RESTClientGetter) (*rest.Config, error) {
	cfg, err := getter.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w; check --kubeconfig, --context or $KUBECONFIG", err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = QPS, Burst
	return cfg, nil
}

// Namespace is the namespace commands work in: -n, else the kubeconfig context's; explicit says
// -n was given.
func Namespace(getter genericclioptions.RESTClientGetter) (ns string, explicit bool, err error) {
	ns, explicit, err = getter.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", false, fmt.Errorf("read kubeconfig: %w; check --kubeconfig, --context or $KUBECONFIG", err)
	}
	return ns, explicit, nil
}

// Connect builds every client from the kubeconfig getter points at. It sends no request.
func Connect(getter genericclioptions.RESTClientGetter) (*Clients, error) {
	cfg, err := RESTConfig(getter)
	if err != nil {
		return nil, err
	}
	return ForConfig(cfg)
}

// ForConfig builds every client from cfg as it is.
func ForConfig(cfg *rest.Config) (*Clients, error) {
	c := &Clients{Config: cfg}
	var err error
	if c.Dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("build API client: %w", err)
	}
	if c.Metadata, err = metadata.NewForConfig(metadata.ConfigFor(cfg)); err != nil {
		return nil, fmt.Errorf("build API client: %w", err)
	}
	if c.Kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("build API client: %w", err)
	}
	c.Discovery = c.Kube.Discovery()
	if c.Core, err = coreClient(cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// Pods is the fast pod lister over these clients.
func (c *Clients) Pods() *PodLister { return NewPodLister(c.Core, c.Metadata) }

// NADs is the NetworkAttachmentDefinition reader over these clients.
func (c *Clients) NADs() *NADReader { return NewNADReader(c.Dynamic) }

func coreClient(cfg *rest.Config) (*rest.RESTClient, error) {
	c := rest.CopyConfig(cfg)
	c.APIPath = "/api"
	c.GroupVersion = &scheme.Scheme.PrioritizedVersionsForGroup("")[0]
	c.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	if c.UserAgent == "" {
		c.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	rc, err := rest.RESTClientFor(c)
	if err != nil {
		return nil, fmt.Errorf("build API client: %w", err)
	}
	return rc, nil
}
