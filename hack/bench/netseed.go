package main

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// seedNetworks creates nads NADs spread over the namespaces (each namespace's first is data-plane,
// the network the pods' status names) and pools whereabouts IPPools of 200 allocations owned by
// existing pods.
func seedNetworks(dyn dynamic.Interface, namespaces, nads, pools, pods int) error {
	nadGVR := schema.GroupVersionResource{Group: "k8s.cni.cncf.io", Version: "v1", Resource: "network-attachment-definitions"}
	poolGVR := schema.GroupVersionResource{Group: "whereabouts.cni.cncf.io", Version: "v1alpha1", Resource: "ippools"}
	create := func(gvr schema.GroupVersionResource, ns string, obj map[string]any) error {
		_, err := dyn.Resource(gvr).Namespace(ns).Create(ctx(), &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create %s in %s: %w", gvr.Resource, ns, err)
		}
		return nil
	}
	for k := 0; k < nads; k++ {
		ns := fmt.Sprintf("bench-%02d", k%namespaces)
		name, ipam := "data-plane", `{"type":"whereabouts","range":"172.16.0.0/12","network_name":"data-plane"}`
		if k >= namespaces {
			name = fmt.Sprintf("net-%03d", k)
			ipam = fmt.Sprintf(`{"type":"whereabouts","range":"10.%d.%d.0/24","network_name":"net-%03d"}`, 100+k/256, k%256, k)
		}
		config := fmt.Sprintf(`{"cniVersion":"1.0.0","name":"%s","type":"macvlan","master":"veth-bench","mode":"bridge","ipam":%s}`, name, ipam)
		if err := create(nadGVR, ns, map[string]any{"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
			"metadata": map[string]any{"name": name}, "spec": map[string]any{"config": config}}); err != nil {
			return err
		}
	}
	for p := 0; p < pools; p++ {
		allocs := map[string]any{}
		for a := 1; a <= 200; a++ {
			i := (p*200 + a) % pods
			allocs[fmt.Sprint(a)] = map[string]any{"id": fmt.Sprintf("%064x", i), "podref": fmt.Sprintf("bench-%02d/cnf-%05d", i%namespaces, i), "ifname": "net2"}
		}
		k := namespaces + p
		if err := create(poolGVR, "kube-system", map[string]any{"apiVersion": "whereabouts.cni.cncf.io/v1alpha1", "kind": "IPPool",
			"metadata": map[string]any{"name": fmt.Sprintf("net-%03d-10.%d.%d.0-24", k, 100+k/256, k%256)},
			"spec":     map[string]any{"range": fmt.Sprintf("10.%d.%d.0/24", 100+k/256, k%256), "allocations": allocs}}); err != nil {
			return err
		}
	}
	return nil
}
