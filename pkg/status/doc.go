// Package status is `kubectl multinet status` and the bare `kubectl multinet` of the older
// k8snetworkplumbingwg plugin without the command line: it reads the selected pods and the NADs they
// name (live or from a dump), builds the inspect model and prints it as a table, the older plugin's
// formats, or the documented JSON/YAML object.
package status
