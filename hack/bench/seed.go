package main

import (
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// statusFor is a two-entry network-status the way Multus writes it (indented JSON).
func statusFor(ns string, i int) string {
	return fmt.Sprintf(`[{
    "name": "demo-net",
    "interface": "eth0",
    "ips": [
        "10.%d.%d.%d"
    ],
    "mac": "0a:58:0a:%02x:%02x:%02x",
    "default": true,
    "dns": {}
},{
    "name": "%s/data-plane",
    "interface": "net1",
    "ips": [
        "172.%d.%d.%d"
    ],
    "mac": "02:42:ac:%02x:%02x:%02x",
    "dns": {}
}]`, 64+i/65536%64, i/256%256, i%256, i/65536%256, i/256%256, i%256, ns, 16+i/65536%16, i/256%256, i%256, i/65536%256, i/256%256, i%256)
}

// podFor is a pod as a Deployment would create it: owner, labels, two containers with the usual
// settings, so that full-object lists cost what they cost in real clusters.
func podFor(ns string, i int) *corev1.Pod {
	name := fmt.Sprintf("cnf-%05d", i)
	container := func(n string, ports ...corev1.ContainerPort) corev1.Container {
		return corev1.Container{
			Name: n, Image: "docker.io/lab/app:1", ImagePullPolicy: corev1.PullNever,
			Command: []string{"/app", "--serve", "--interfaces=eth0,net1"},
			Env: []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
				{Name: "NET1", Value: "data-plane"}, {Name: "LOG_LEVEL", Value: "info"}},
			Ports: ports,
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("256Mi")}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8080)}}, PeriodSeconds: 5},
			VolumeMounts:   []corev1.VolumeMount{{Name: "config", MountPath: "/etc/app"}},
		}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: ns,
			Labels: map[string]string{"app": "cnf", "pod-template-hash": "7d9f8b6c5", "tier": "data-plane"},
			Annotations: map[string]string{
				"k8s.v1.cni.cncf.io/networks":       `[{"name":"data-plane","interface":"net1"}]`,
				"k8s.v1.cni.cncf.io/network-status": statusFor(ns, i),
			},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "cnf-7d9f8b6c5", UID: "8d1f6a3e-0000-4000-8000-000000000001", Controller: ptr(true), BlockOwnerDeletion: ptr(true)}},
		},
		Spec: corev1.PodSpec{
			NodeName:    fmt.Sprintf("node-%02d", i%8),
			Containers:  []corev1.Container{container("app"), container("sidecar")},
			Volumes:     []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cnf-config"}}}}},
			Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))}},
		},
	}
}

func seedCmd(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	kc := kubeconfigFlag(fs)
	pods := fs.Int("pods", 10000, "pods to create")
	namespaces := fs.Int("namespaces", 20, "namespaces to spread them over")
	workers := fs.Int("workers", 32, "concurrent creates")
	nads := fs.Int("nads", 200, "NetworkAttachmentDefinitions to create")
	pools := fs.Int("pools", 50, "whereabouts IPPools (200 allocations each) to create")
	networksOnly := fs.Bool("networks-only", false, "create only the NADs and IPPools (the pods exist)")
	_ = fs.Parse(args)
	cs, err := clientset(*kc)
	if err != nil {
		return err
	}
	for n := 0; n < *namespaces; n++ {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-%02d", n)}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx(), ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create namespace %s: %w", ns.Name, err)
		}
	}
	start := time.Now()
	var created atomic.Int64
	var firstErr error
	var mu sync.Mutex
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ns := fmt.Sprintf("bench-%02d", i%*namespaces)
				_, err := cs.CoreV1().Pods(ns).Create(ctx(), podFor(ns, i), metav1.CreateOptions{})
				switch {
				case err == nil:
					created.Add(1)
				case apierrors.IsAlreadyExists(err):
				default:
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("create pod %s/cnf-%05d: %w", ns, i, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < *pods && !*networksOnly; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	fmt.Printf("seed: created %d pods (%d requested) in %s\n", created.Load(), *pods, time.Since(start).Round(time.Millisecond))
	if firstErr != nil {
		return firstErr
	}
	dyn, err := dynClient(*kc)
	if err != nil {
		return err
	}
	if err := seedNetworks(dyn, *namespaces, *nads, *pools, *pods); err != nil {
		return err
	}
	fmt.Printf("seed: %d NADs, %d IPPools\n", *nads, *pools)
	return nil
}

func ptr[T any](v T) *T { return &v }
