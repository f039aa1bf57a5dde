// Command printversion prints version.String(); the package's tests build it.
package main

import (
	"fmt"

	"github.com/modelgate/modelgate/internal/version"
)

func main() { fmt.Println(version.String()) }
