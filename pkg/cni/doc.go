// Package cni implements multinet's CNI interface plugins, multinet-macvlan and multinet-ipvlan:
// ADD, DEL, CHECK, STATUS and GC for CNI spec versions 0.3.1 to 1.1.0, with the IPAM delegated to
// whatever the config's "ipam" section names (multinet-ipam, whereabouts, host-local, static).
package cni
