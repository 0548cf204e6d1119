// Command fileserve serves a directory over HTTP on 127.0.0.1 for local checks (krew installs from it).
// It prints the base URL, then serves until killed.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	dir := flag.String("dir", ".", "directory to serve")
	flag.Parse()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("fileserve: listen: %v", err)
	}
	fmt.Fprintf(os.Stdout, "http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, http.FileServer(http.Dir(*dir))))
}
