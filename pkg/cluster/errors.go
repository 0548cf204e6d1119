package cluster

import (
	"errors"
	"fmt"
	"net"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// describe turns an API error into one line that names the object and what to do about it.
func describe(err error, resource, namespace, name, verb string) error {
	obj := resource
	if name != "" {
		obj = fmt.Sprintf("%s %q", resource, name)
	}
	where := "in all namespaces"
	if namespace != "" {
		where = fmt.Sprintf("in namespace %q", namespace)
	}
	var urlErr *url.Error
	var netErr net.Error
	switch {
	case apierrors.IsNotFound(err) && name != "":
		return fmt.Errorf("%s not found %s; check the name and -n/--namespace: %w", obj, where, err)
	case apierrors.IsNotFound(err):
		return fmt.Errorf("the API server does not serve %s; check that its CRD is installed: %w", resource, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not allowed to %s %s %s; ask for RBAC %q on %s, or narrow the query with -n: %w",
			verb, obj, where, verb, resource, err)
	case apierrors.IsUnauthorized(err) || errors.As(err, &urlErr) || errors.As(err, &netErr):
		return Unreachable(err)
	}
	return fmt.Errorf("%s %s %s: %w", verb, obj, where, err)
}

// Unreachable rewrites an error that means the API server could not be reached (or rejected the
// credentials) into the one-line advice the read commands give; other errors pass unchanged.
func Unreachable(err error) error {
	var urlErr *url.Error
	var netErr net.Error
	switch {
	case err == nil:
		return nil
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("the API server rejected your credentials; refresh them or check --kubeconfig/--context: %w", err)
	case errors.As(err, &urlErr) || errors.As(err, &netErr):
		return fmt.Errorf("cannot reach the Kubernetes API server; check that the cluster is running and --kubeconfig/--context/--server: %w", err)
	}
	return err
}
