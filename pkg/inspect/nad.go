package inspect

import (
	"strings"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
)

// NADSet holds the NetworkAttachmentDefinitions a caller could read, and which namespaces it read
// completely, so that "not found" is only claimed where it is known.
type NADSet struct {
	byKey map[string]*nadv1.NetworkAttachmentDefinition
	// summaries are the NADs' config summaries, parsed once a NAD rather than once an interface.
	summaries map[string]string
	complete  map[string]bool
	allRead   bool
	errs      map[string]string
}

// NewNADSet returns an empty set.
func NewNADSet() *NADSet {
	return &NADSet{byKey: map[string]*nadv1.NetworkAttachmentDefinition{}, summaries: map[string]string{}, complete: map[string]bool{},
		errs: map[string]string{}}
}

// Add records one NAD.
func (s *NADSet) Add(n *nadv1.NetworkAttachmentDefinition) {
	key := n.Namespace + "/" + n.Name
	s.byKey[key] = n
	s.summaries[key] = ParseConfig(n.Spec.Config).String()
}

// MarkComplete says every NAD of namespace was added; "" means every namespace.
func (s *NADSet) MarkComplete(namespace string) {
	if namespace == "" {
		s.allRead = true
		return
	}
	s.complete[namespace] = true
}

// MarkUnreadable records why the NADs of namespace ("" for all namespaces) could not be read.
func (s *NADSet) MarkUnreadable(namespace, reason string) { s.errs[namespace] = reason }

// Get returns the NAD for namespace/name, or nil.
func (s *NADSet) Get(key string) *nadv1.NetworkAttachmentDefinition {
	if s == nil {
		return nil
	}
	return s.byKey[key]
}

// Describe is the one-line config summary of the NAD key, "NAD not found" when it is known to be
// absent, the read error when it could not be read, and "" when it was not looked at.
func (s *NADSet) Describe(key string) string {
	if s == nil {
		return ""
	}
	if summary, ok := s.summaries[key]; ok {
		return summary
	}
	ns, _, _ := strings.Cut(key, "/")
	if s.allRead || s.complete[ns] {
		return "NAD not found"
	}
	if why, ok := s.errs[ns]; ok {
		return "NAD unreadable: " + why
	}
	if why, ok := s.errs[""]; ok {
		return "NAD unreadable: " + why
	}
	return ""
}

// Keys returns the namespace/name keys of the set's NADs.
func (s *NADSet) Keys() []string {
	keys := make([]string, 0, len(s.byKey))
	for k := range s.byKey {
		keys = append(keys, k)
	}
	return keys
}
