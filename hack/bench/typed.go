package main

import (
	"flag"
	"fmt"

	nadutils "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/utils"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// typedListCmd reads pods the way the older k8snetworkplumbingwg kubectl-multinet does: one
// unpaginated typed list (client-go's default JSON) and the network-status of each pod. The older
// plugin itself is not served by the module proxy here, so this stands in for it in the same run.
func typedListCmd(args []string) error {
	fs := flag.NewFlagSet("typed-list", flag.ExitOnError)
	kc := kubeconfigFlag(fs)
	_ = fs.Parse(args)
	cs, err := clientset(*kc)
	if err != nil {
		return err
	}
	list, err := cs.CoreV1().Pods("").List(ctx(), metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	n := 0
	for i := range list.Items {
		st, _ := nadutils.GetNetworkStatus(&list.Items[i])
		n += len(st)
	}
	fmt.Printf("%d pods, %d interfaces\n", len(list.Items), n)
	return nil
}
