// Package status implements `kubectl multinet status` and the bare `kubectl multinet` of the older
// k8snetworkplumbingwg plugin: it reads pods and NADs (live or from a dump), builds the inspect model and
// prints it as a table or as the documented JSON/YAML object.
package status
