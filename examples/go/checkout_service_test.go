package main

// End to end: this example built as a program, run against a real
// tracekit-server ($TRACEKIT_SERVER_BIN). A breakpoint enabled through the
// management API makes the service capture scrubbed snapshots, also from
// many concurrent requests; the kill switch stops them.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tracekit-native/tracekit-native/bindings/go/tracekittest"
)

const orderJSON = `{"email":"jane.doe@example.com","name":"Jane","card":"4111 1111 1111 1111",
	"items":[{"sku":"book","price":12.5,"qty":2}]}`

// service is the example running as its own process.
type service struct {
	url    string
	cmd    *exec.Cmd
	stdout *bufio.Reader
}

func build(t *testing.T) string {
	binary := filepath.Join(t.TempDir(), "checkout_service")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if output, err := exec.Command(goTool, "build", "-o", binary, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, output)
	}
	return binary
}

func start(t *testing.T, binary string, environment ...string) *service {
	cmd := exec.Command(binary, "--port", "0")
	cmd.Env = append(os.Environ(), environment...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	stdout := bufio.NewReader(pipe)
	first, err := stdout.ReadString('\n')
	if !strings.HasPrefix(first, "checkout service on ") {
		t.Fatalf("unexpected first line %q (%v)", first, err)
	}
	return &service{url: strings.TrimSpace(strings.TrimPrefix(first, "checkout service on ")), cmd: cmd, stdout: stdout}
}

func (s *service) order(t *testing.T) {
	response, err := http.Post(s.url+"/checkout", "application/json", strings.NewReader(orderJSON))
	if err != nil {
		t.Error(err)
		return
	}
	defer response.Body.Close()
	body, _ := io.ReadAll(response.Body)
	if response.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"total":25`)) {
		t.Errorf("POST /checkout: %d %s", response.StatusCode, body)
	}
}

// stop sends SIGTERM and returns the final stats the service prints.
func (s *service) stop(t *testing.T) map[string]interface{} {
	s.cmd.Process.Signal(syscall.SIGTERM)
	rest, _ := io.ReadAll(s.stdout)
	lines := strings.Split(strings.TrimSpace(string(rest)), "\n")
	stats := map[string]interface{}{}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &stats); err != nil {
		t.Fatalf("final stats: %v in %q", err, rest)
	}
	return stats
}

func count(t *testing.T, server *tracekittest.Server, name string) int {
	listed, err := server.Snapshots(name)
	if err != nil {
		t.Fatal(err)
	}
	return len(listed)
}

// settledCount is count once it has stopped changing: the SDK sends a
// steady stream of snapshots in batches up to 200 ms apart, so orders placed
// just before may still be on their way.
func settledCount(t *testing.T, server *tracekittest.Server, name string) int {
	last := count(t, server, name)
	for i := 0; i < 20; i++ {
		time.Sleep(500 * time.Millisecond)
		now := count(t, server, name)
		if now == last {
			return now
		}
		last = now
	}
	t.Fatal("the snapshot count kept changing for 10 s")
	return last
}

func TestCheckoutServiceEndToEnd(t *testing.T) {
	server, err := tracekittest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	name := tracekittest.UniqueName("go-checkout")
	key, err := server.SDKKey(name)
	if err != nil {
		t.Fatal(err)
	}
	shop := start(t, build(t), "TRACEKIT_API_KEY="+key, "TRACEKIT_ENDPOINT="+server.URL, "TRACEKIT_SERVICE_NAME="+name)

	// 1. The first order registers the checkpoint, disabled: nothing captured.
	shop.order(t)
	var breakpoint tracekittest.Breakpoint
	if !tracekittest.WaitFor(5*time.Second, func() bool {
		listed, _ := server.Breakpoints(name)
		for _, candidate := range listed {
			if candidate.Label == "order-checkout" {
				breakpoint = candidate
			}
		}
		return breakpoint.ID != ""
	}) {
		t.Fatal("the checkpoint was not registered")
	}
	if breakpoint.FunctionName != "main.(*checkoutService).checkout" || filepath.Base(breakpoint.FilePath) != "checkout_service.go" {
		t.Errorf("registered as %s in %s", breakpoint.FunctionName, breakpoint.FilePath)
	}

	// 2. Enabled through the API: the next orders are captured, scrubbed.
	if err := server.UpdateBreakpoint(breakpoint.ID, map[string]interface{}{"enabled": true}); err != nil {
		t.Fatal(err)
	}
	if !tracekittest.WaitFor(5*time.Second, func() bool { shop.order(t); return count(t, server, name) > 0 }) {
		t.Fatal("no snapshot arrived within 5 s of enabling the breakpoint")
	}
	listed, _ := server.Snapshots(name)
	snapshot := listed[0]
	variables := snapshot["variables"].(map[string]interface{})
	customer := variables["customer"].(map[string]interface{})
	payment := variables["payment"].(map[string]interface{})
	if customer["email"] != "[REDACTED:email]" || payment["card"] != "[REDACTED:credit_card]" || payment["amount"] != 25.0 {
		t.Errorf("variables: %v", variables)
	}
	if request := snapshot["request_context"].(map[string]interface{}); request["method"] != "POST" || request["path"] != "/checkout" {
		t.Errorf("request context: %v", request)
	}

	// 3. Many concurrent requests (one goroutine each): every one captured.
	before := settledCount(t, server, name)
	const concurrent = 40
	var wg sync.WaitGroup
	for i := 0; i < concurrent; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); shop.order(t) }()
	}
	wg.Wait()
	if !tracekittest.WaitFor(5*time.Second, func() bool { return count(t, server, name) == before+concurrent }) {
		t.Fatalf("%d snapshots after %d concurrent orders, want %d", count(t, server, name), concurrent, before+concurrent)
	}
	all, _ := server.Snapshots(name)
	if dump, _ := json.Marshal(all); bytes.Contains(dump, []byte("jane.doe@example.com")) || bytes.Contains(dump, []byte("4111 1111 1111 1111")) {
		t.Error("an email or card number reached the server")
	}

	// 4. The kill switch: after it reaches the service (SSE, else the 1 s
	// poll), orders are no longer captured.
	if err := server.SetKillSwitch(name, true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	settled := count(t, server, name)
	for i := 0; i < 10; i++ {
		shop.order(t)
	}
	stats := shop.stop(t)
	if after := count(t, server, name); after != settled {
		t.Errorf("%d snapshots arrived after the kill switch", after-settled)
	}
	// The kill switch makes the site inactive: those checkpoints take the
	// fast path and never reach the library, so only its state shows.
	if stats["kill_switch"] != true || stats["captured"] != float64(settled) {
		t.Errorf("final stats: kill_switch %v, captured %v (want %d)", stats["kill_switch"], stats["captured"], settled)
	}
	fmt.Printf("e2e: %d snapshots captured, scrubbed and stored; none after the kill switch\n", settled)
}
