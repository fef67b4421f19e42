// Command instructions runs N inactive checkpoints in a loop, for an
// instruction count that a loaded machine does not distort:
//
//	go build -o inactive-instructions ./instructions
//	GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --toggle-collect=main.loop \
//	    ./inactive-instructions 1000000
//	callgrind_annotate callgrind.out.<pid>
//
// (asyncpreemptoff: callgrind cannot follow the Go runtime's preemption
// signals.) The client points at a closed port: an inactive checkpoint never
// needs the server.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/tracekit-native/tracekit-native/bindings/go/tracekit"
)

//go:noinline
func checkpoint(sdk *tracekit.SDK, ctx context.Context) {
	sdk.CheckAndCaptureWithContext(ctx, "bench", nil)
}

//go:noinline
func loop(sdk *tracekit.SDK, ctx context.Context, n int) {
	for i := 0; i < n; i++ {
		checkpoint(sdk, ctx)
	}
}

func main() {
	n, err := strconv.Atoi(os.Args[len(os.Args)-1])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "usage: inactive-instructions N")
		os.Exit(2)
	}
	sdk, err := tracekit.NewSDK(&tracekit.Config{APIKey: "tk_instructions", ServiceName: "instructions",
		Endpoint: "http://127.0.0.1:9", EnableCodeMonitoring: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx := context.Background()
	checkpoint(sdk, ctx) // interns the site
	loop(sdk, ctx, n)
	fmt.Printf("%d inactive checkpoints\n", n)
}
