package nodecreds

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Describe reads the kubeconfig at the node path p through m and says what it holds and what is
// wrong with it. The token is read to learn its expiry and binding, and then dropped.
func Describe(m Mounts, source, p string, now time.Time) Credential {
	c := Credential{Source: source, Path: p}
	data, err := readFile(m, p)
	if isOutside(err) {
		c.NeedDirs = []string{path.Dir(p)}
		return c
	}
	if err != nil {
		c.Problems = append(c.Problems, fmt.Sprintf("cannot read the kubeconfig: %s", fileError(err)))
		return c
	}
	cfg, err := clientcmd.Load(data)
	if err != nil {
		c.Problems = append(c.Problems, "not a valid kubeconfig"+yamlLine(err))
		return c
	}
	cluster, user, err := current(cfg)
	if err != nil {
		c.Problems = append(c.Problems, err.Error())
		return c
	}
	dir := path.Dir(p)
	c.Server = cluster.Server
	if c.Server == "" {
		c.Problems = append(c.Problems, "names no API server (clusters[].cluster.server is empty)")
	}
	c.checkCA(m, dir, cluster, now)
	c.readUser(m, dir, user)
	return c
}

// current returns the cluster and user of the kubeconfig's current context (or its only one).
func current(cfg *clientcmdapi.Config) (*clientcmdapi.Cluster, *clientcmdapi.AuthInfo, error) {
	name := cfg.CurrentContext
	if name == "" && len(cfg.Contexts) == 1 {
		for n := range cfg.Contexts {
			name = n
		}
	}
	ctx := cfg.Contexts[name]
	if ctx == nil {
		return nil, nil, fmt.Errorf("has no usable context (current-context %q is not among its contexts)", cfg.CurrentContext)
	}
	cluster := cfg.Clusters[ctx.Cluster]
	if cluster == nil {
		return nil, nil, fmt.Errorf("context %q names cluster %q, which it does not define", name, ctx.Cluster)
	}
	user := cfg.AuthInfos[ctx.AuthInfo]
	if user == nil {
		user = &clientcmdapi.AuthInfo{}
	}
	return cluster, user, nil
}

// checkCA records a CA that cannot be read, holds no certificate, or has expired.
func (c *Credential) checkCA(m Mounts, dir string, cl *clientcmdapi.Cluster, now time.Time) {
	pemData, where := cl.CertificateAuthorityData, "certificate-authority-data"
	if len(pemData) == 0 && cl.CertificateAuthority != "" {
		where = "CA file " + nodePath(dir, cl.CertificateAuthority)
		data, err := readFile(m, nodePath(dir, cl.CertificateAuthority))
		if isOutside(err) {
			c.NeedDirs = appendUnique(c.NeedDirs, path.Dir(nodePath(dir, cl.CertificateAuthority)))
			return
		}
		if err != nil {
			c.Problems = append(c.Problems, fmt.Sprintf("cannot read its %s: %s", where, fileError(err)))
			return
		}
		pemData = data
	}
	if len(pemData) == 0 {
		return // the system roots, or insecure-skip-tls-verify
	}
	certs := pemCertificates(pemData)
	if len(certs) == 0 {
		c.Problems = append(c.Problems, fmt.Sprintf("its %s holds no PEM certificate", where))
		return
	}
	for _, cert := range certs {
		if now.After(cert.NotAfter) {
			c.Problems = append(c.Problems, fmt.Sprintf("its %s expired at %s", where, cert.NotAfter.UTC().Format(time.RFC3339)))
		}
	}
}

// readUser records how the user authenticates, and when that stops working.
func (c *Credential) readUser(m Mounts, dir string, u *clientcmdapi.AuthInfo) {
	switch {
	case u.Token != "":
		c.Kind = KindToken
		c.token(u.Token)
	case u.TokenFile != "":
		c.Kind = KindTokenFile
		p := nodePath(dir, u.TokenFile)
		data, err := readFile(m, p)
		if isOutside(err) {
			c.NeedDirs = appendUnique(c.NeedDirs, path.Dir(p))
			return
		}
		if err != nil {
			c.Problems = append(c.Problems, fmt.Sprintf("cannot read its token file %s: %s", p, fileError(err)))
			return
		}
		c.token(strings.TrimSpace(string(data)))
	case len(u.ClientCertificateData) > 0 || u.ClientCertificate != "":
		c.Kind = KindClientCert
		data, where := u.ClientCertificateData, "client-certificate-data"
		if len(data) == 0 {
			p := nodePath(dir, u.ClientCertificate)
			where = "client certificate " + p
			var err error
			if data, err = readFile(m, p); isOutside(err) {
				c.NeedDirs = appendUnique(c.NeedDirs, path.Dir(p))
				return
			} else if err != nil {
				c.Problems = append(c.Problems, fmt.Sprintf("cannot read its %s: %s", where, fileError(err)))
				return
			}
		}
		certs := pemCertificates(data)
		if len(certs) == 0 {
			c.Problems = append(c.Problems, fmt.Sprintf("its %s holds no PEM certificate", where))
			return
		}
		exp := certs[0].NotAfter.UTC()
		c.Expires = &exp
	case u.Exec != nil || u.AuthProvider != nil:
		c.Kind = "exec plugin"
	default:
		c.Kind = KindNone
		c.Problems = append(c.Problems, "carries no credential, so its requests are anonymous and forbidden")
	}
}

// token records the expiry and pod binding of a JWT; other tokens say nothing of either.
func (c *Credential) token(tok string) {
	claims, err := ParseToken(tok)
	if err != nil {
		return
	}
	if claims.Expires != nil {
		exp := claims.Expires.UTC()
		c.Expires = &exp
	}
	c.BoundPod, c.BoundPodUID = claims.BoundPod, claims.BoundPodUID
}

// Claims are the parts of a ServiceAccount token's payload the checks read.
type Claims struct {
	Expires     *time.Time
	BoundPod    string
	BoundPodUID string
}

// ParseToken reads the payload of a JWT without verifying it (only the API server can). A token
// that is not a JWT is an error.
func ParseToken(tok string) (Claims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return Claims{}, errors.New("not a JWT (want three dot-separated parts)")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, errors.New("JWT payload is not base64url")
	}
	var p struct {
		Exp *json.Number `json:"exp"`
		K8s struct {
			Namespace string `json:"namespace"`
			Pod       *struct {
				Name string `json:"name"`
				UID  string `json:"uid"`
			} `json:"pod"`
		} `json:"kubernetes.io"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return Claims{}, errors.New("JWT payload is not a JSON object with the registered claims")
	}
	var out Claims
	if p.Exp != nil {
		f, err := p.Exp.Float64()
		if err != nil || f < 0 || f > 1e11 {
			return Claims{}, errors.New("JWT exp is not a time")
		}
		t := time.Unix(int64(f), 0).UTC()
		out.Expires = &t
	}
	if p.K8s.Pod != nil && p.K8s.Pod.Name != "" {
		out.BoundPod, out.BoundPodUID = p.K8s.Namespace+"/"+p.K8s.Pod.Name, p.K8s.Pod.UID
	}
	return out, nil
}

func pemCertificates(data []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if cert, err := x509.ParseCertificate(b.Bytes); err == nil {
			out = append(out, cert)
		}
	}
}

// nodePath resolves p, relative to the kubeconfig's directory as client-go does.
func nodePath(dir, p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(dir, p)
}

func appendUnique(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// yamlLine is " (the parse error)" for YAML syntax errors; errors that name Go types become
// " (a field has the wrong type, line N)".
func yamlLine(err error) string {
	msg := err.Error()
	typed := false
	for _, goTerm := range []string{"unmarshal", "Go ", "map[", "interface {}", "struct {"} {
		typed = typed || strings.Contains(msg, goTerm)
	}
	if !typed {
		return " (" + msg + ")"
	}
	i := strings.Index(msg, "line ")
	j := i + len("line ")
	for i >= 0 && j < len(msg) && msg[j] >= '0' && msg[j] <= '9' {
		j++
	}
	if i < 0 || j == i+len("line ") {
		return " (a field has the wrong type)"
	}
	return " (a field has the wrong type, " + msg[i:j] + ")"
}

// fileError says why a file could not be read, without the pod-side path.
func fileError(err error) string {
	switch {
	case isOutside(err):
		return "it is outside the mounted directories"
	case strings.Contains(err.Error(), "no such file"):
		return "it does not exist"
	case strings.Contains(err.Error(), "permission denied"):
		return "permission denied"
	case strings.Contains(err.Error(), "is a directory"):
		return "it is a directory"
	}
	return err.Error()
}
