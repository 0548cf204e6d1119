package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// sizes are the pod counts the benchmarks run at.
var sizes = []int{10000, 100000}

// bigData is n pods with two interfaces each.
func bigData(n int) Data {
	d := Data{At: fixedNow}
	for i := 0; i < n; i++ {
		ns := fmt.Sprintf("ns-%02d", i%20)
		d.Pods = append(d.Pods, inspect.Pod{Namespace: ns, Name: fmt.Sprintf("pod-%06d", i), Node: fmt.Sprintf("node-%03d", i%1000), Phase: "Running",
			Interfaces: []inspect.Interface{{Interface: "eth0", IPs: []string{"10.0.0.1"}, Default: true, State: inspect.StateDefault},
				{Network: ns + "/data", Interface: "net1", IPs: []string{"172.16.0.1"}, State: inspect.StateAttached}}})
	}
	return d
}

// each runs bench once per size, as a sub-benchmark named for it.
func each(b *testing.B, bench func(b *testing.B, n int)) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) { bench(b, n) })
	}
}

// BenchmarkFirstFrame: the data arrives, then the first frame.
func BenchmarkFirstFrame(b *testing.B) {
	each(b, func(b *testing.B, n int) {
		d := bigData(n)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			m := send(New(Config{}), tea.WindowSizeMsg{Width: 160, Height: 50}, dataMsg{data: d})
			_ = m.View()
		}
	})
}

// BenchmarkKeyToFrame: one key press (cursor down) and the frame it causes.
func BenchmarkKeyToFrame(b *testing.B) {
	each(b, func(b *testing.B, n int) {
		m := send(New(Config{}), tea.WindowSizeMsg{Width: 160, Height: 50}, dataMsg{data: bigData(n)})
		down := tea.KeyPressMsg{Code: tea.KeyDown}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			next, _ := m.Update(down)
			m = next.(Model)
			if m.cursor == n-1 {
				m.cursor, m.offset = 0, 0
			}
			_ = m.View()
		}
	})
}

// BenchmarkFilterKey: typing one filter character re-filters every pod and renders.
func BenchmarkFilterKey(b *testing.B) {
	each(b, func(b *testing.B, n int) {
		m := send(New(Config{}), tea.WindowSizeMsg{Width: 160, Height: 50}, dataMsg{data: bigData(n)}, tea.KeyPressMsg{Code: '/', Text: "/"})
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			next, _ := m.Update(tea.KeyPressMsg{Code: '7', Text: "7"})
			next, _ = next.(Model).Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
			m = next.(Model)
			_ = m.View()
		}
	})
}

// BenchmarkApplyWatchedChange: the watch changed one pod; Apply inspects it against the NADs of the
// last load, keeps every other pod as inspected, and runs the checks again (the work between a
// watched change and its frame, the cluster not read).
func BenchmarkApplyWatchedChange(b *testing.B) {
	each(b, func(b *testing.B, n int) {
		metas := make([]inspect.PodMeta, n) // in namespace, name order, as a list or the mirror gives them
		for i := range metas {
			ns := fmt.Sprintf("ns-%02d", i*20/n)
			metas[i] = inspect.PodMeta{Namespace: ns, Name: fmt.Sprintf("pod-%06d", i), Node: fmt.Sprintf("node-%03d", i%1000), Phase: "Running",
				PodIPs: []string{"10.0.0.1"}, Annotations: map[string]string{"k8s.v1.cni.cncf.io/networks": "data",
					"k8s.v1.cni.cncf.io/network-status": fmt.Sprintf(`[{"name":"%s/data","interface":"net1","ips":["172.16.%d.%d"],"mac":"02:00:00:00:00:01"}]`, ns, i/250, i%250)}}
		}
		src := &Source{Now: func() time.Time { return fixedNow },
			Loader:  func(context.Context) (*doctor.Model, error) { m := doctor.NewModel(); m.SetPods(metas); return m, nil },
			Changes: func() inspect.PodChanges { return inspect.PodChanges{Changed: metas[n/2 : n/2+1]} },
			Pods:    func(context.Context) ([]inspect.PodMeta, error) { b.Fatal("every pod read"); return nil, nil }}
		if _, err := src.Load(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			d, err := src.Apply(context.Background())
			if err != nil || len(d.Pods) != n {
				b.Fatalf("%d pods, %v", len(d.Pods), err)
			}
		}
	})
}
