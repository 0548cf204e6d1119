package main

import (
	"flag"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/pager"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// metadataListCmd lists every pod's metadata with the client-go metadata client (protobuf, pages of
// -chunk), the cheapest way to read all annotations: the floor status is compared with.
func metadataListCmd(args []string) error {
	fs := flag.NewFlagSet("metadata-list", flag.ExitOnError)
	kc := kubeconfigFlag(fs)
	chunk := fs.Int64("chunk", 500, "page size")
	_ = fs.Parse(args)
	cfg, err := restConfig(*kc)
	if err != nil {
		return err
	}
	mc, err := metadata.NewForConfig(metadata.ConfigFor(cfg))
	if err != nil {
		return err
	}
	res := mc.Resource(corev1.SchemeGroupVersion.WithResource("pods"))
	p := pager.New(func(c ctxT, opts metav1.ListOptions) (runtime.Object, error) { return res.List(c, opts) })
	p.PageSize = *chunk
	n, annBytes := 0, 0
	err = p.EachListItem(ctx(), metav1.ListOptions{}, func(obj runtime.Object) error {
		m := obj.(*metav1.PartialObjectMetadata)
		n++
		annBytes += len(m.Annotations["k8s.v1.cni.cncf.io/network-status"])
		return nil
	})
	if err != nil {
		return fmt.Errorf("list pod metadata: %w", err)
	}
	fmt.Printf("%d pods, %d bytes of network-status\n", n, annBytes)
	return nil
}
