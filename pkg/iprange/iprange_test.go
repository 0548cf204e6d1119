package iprange

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		spec, str string
		size      uint64
		wantErr   string
	}{
		{spec: "10.0.0.0/24", str: "10.0.0.0/24", size: 254},
		{spec: "10.0.0.7/24", str: "10.0.0.0/24", size: 254},
		{spec: "192.168.2.225-192.168.2.230/28", str: "192.168.2.224/28[192.168.2.225-192.168.2.230]", size: 6},
		{spec: "10.0.0.0/31", str: "10.0.0.0/31", size: 2},
		{spec: "10.0.0.0/16", str: "10.0.0.0/16", size: 65534},
		{spec: "fd00::/120", str: "fd00::/120", size: 255},
		{spec: "fd00::/64", str: "fd00::/64", size: 1 << 62},
		{spec: "10.0.0.0/33", wantErr: "not a CIDR"},
		{spec: "10.0.0.9-10.0.0.3/24", wantErr: "before range_start"},
		{spec: "10.0.1.9-10.0.0.3/24", wantErr: "outside"},
		{spec: "nope", wantErr: "not a CIDR"},
	}
	for _, tt := range tests {
		r, err := Parse(tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.spec, err)
			continue
		}
		if r.String() != tt.str || r.Size() != tt.size {
			t.Errorf("Parse(%q) = %s size %d, want %s size %d", tt.spec, r, r.Size(), tt.str, tt.size)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"10.0.0.0/24", "192.168.2.225-192.168.2.230/28", "fd00::/64", "fd00::5-fd00::9/120", "1.2.3.4-/8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		r, err := Parse(spec)
		if err != nil {
			return
		}
		if r.Start.IsValid() && !r.Prefix.Contains(r.Start) || r.End.IsValid() && !r.Prefix.Contains(r.End) {
			t.Fatalf("Parse(%q) accepted bounds outside the prefix: %s", spec, r)
		}
	})
}
