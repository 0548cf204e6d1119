package logs

import (
	"strings"
	"testing"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/logtail"
)

func TestDebugPodIsReadOnlyAndNarrow(t *testing.T) {
	mounts, args := mountsFor(logtail.Paths{logtail.Multus: "/var/log/multus.log", logtail.Whereabouts: "/var/log/whereabouts.log", logtail.IPAM: "/run/multinet/ipam.log"})
	if len(mounts) != 2 || strings.Join(args, " ") != "ipam=/host/log0/ipam.log multus=/host/log1/multus.log whereabouts=/host/log1/whereabouts.log" {
		t.Fatalf("mounts %v args %v: want one mount per directory", mounts, args)
	}
	p := (&Pods{Namespace: "kube-system", Image: "img", Deadline: time.Hour, Now: time.Now}).spec("node-1", args, mounts)
	c := p.Spec.Containers[0]
	if p.Spec.NodeName != "node-1" || *p.Spec.ActiveDeadlineSeconds != 3600 || p.Spec.HostNetwork || p.Spec.HostPID ||
		*c.SecurityContext.Privileged || *c.SecurityContext.AllowPrivilegeEscalation || !*c.SecurityContext.ReadOnlyRootFilesystem ||
		len(c.SecurityContext.Capabilities.Drop) != 1 || *p.Spec.AutomountServiceAccountToken {
		t.Errorf("debug pod is not narrow: %+v", p.Spec)
	}
	for _, m := range c.VolumeMounts {
		if !m.ReadOnly {
			t.Errorf("mount %s is writable", m.MountPath)
		}
	}
	if p.Labels["app.kubernetes.io/component"] != "logs" || p.Annotations[heartbeatAnnot] == "" {
		t.Errorf("debug pod cannot be found for cleanup: %v %v", p.Labels, p.Annotations)
	}
}
