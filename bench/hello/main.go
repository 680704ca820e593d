// Command hello is the floor of bench: a Go hello-world built the same way
// as nxcred (stripped, CGO_ENABLED=0). Whatever a cache hit costs above this
// is nxcred's own.
package main

import "fmt"

func main() { fmt.Println("hello, world") }
