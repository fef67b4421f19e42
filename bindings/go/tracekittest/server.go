// Package tracekittest starts a real tracekit-server for tests, the way
// net/http/httptest starts an HTTP server: on a free loopback port, with a
// temporary database and a known admin key, and talks to its management
// API. The binary is $TRACEKIT_SERVER_BIN (scripts/test.sh exports it).
package tracekittest

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a running tracekit-server.
type Server struct {
	URL      string // e.g. "http://127.0.0.1:41234"
	AdminKey string
	cmd      *exec.Cmd
	dir      string
	output   *lockedBuffer
	done     chan struct{}
}

var listening = regexp.MustCompile(`listening on [^\s:]+:(\d+)`)

// Start runs $TRACEKIT_SERVER_BIN and waits until it listens. A missing
// binary is an error that says so: nothing is skipped.
func Start() (*Server, error) {
	binary := os.Getenv("TRACEKIT_SERVER_BIN")
	if binary == "" {
		return nil, errors.New("TRACEKIT_SERVER_BIN must name a tracekit-server binary (scripts/test.sh sets it)")
	}
	if info, err := os.Stat(binary); err != nil || info.IsDir() {
		return nil, fmt.Errorf("tracekit-server binary not found: %s", binary)
	}
	dir, err := os.MkdirTemp("", "tracekittest-")
	if err != nil {
		return nil, err
	}
	s := &Server{AdminKey: "tk_gotest_" + randomHex(16), dir: dir, output: &lockedBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(binary, "--port", "0", "--database", filepath.Join(dir, "test.sqlite"), "--admin-key", s.AdminKey,
		"--auto-register-disabled") // the tests enable the breakpoints they need
	// The server dies with the test process, even if that one crashes.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	reader, writer := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = writer, writer
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	go func() {
		s.cmd.Wait()
		writer.Close()
		close(s.done)
	}()
	port := make(chan string, 1)
	go s.readOutput(reader, port)
	select {
	case p := <-port:
		s.URL = "http://127.0.0.1:" + p
		return s, nil
	case <-s.done:
	case <-time.After(60 * time.Second):
	}
	s.Close()
	return nil, fmt.Errorf("tracekit-server did not report its port:\n%s", s.Output())
}

func (s *Server) readOutput(reader io.Reader, port chan<- string) {
	scanner := bufio.NewScanner(reader)
	for scanner.Scan() {
		line := scanner.Text()
		s.output.WriteLine(line)
		if match := listening.FindStringSubmatch(line); match != nil {
			select {
			case port <- match[1]:
			default:
			}
		}
	}
}

// Main is a TestMain for packages whose tests share one server: it starts
// it, stores it in *server, runs the tests (or benchmarks), stops it and
// exits with their status. A server that does not start fails the run.
func Main(m *testing.M, server **Server) {
	started, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*server = started
	code := m.Run()
	started.Close()
	os.Exit(code)
}

// Output is what the server printed so far (for failure messages).
func (s *Server) Output() string { return s.output.String() }

// Close stops the server (SIGTERM, then SIGKILL after 10 s) and removes its
// database.
func (s *Server) Close() {
	if s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	}
	os.RemoveAll(s.dir)
}

// API calls a management or SDK route with the admin key; body (if not
// nil) is sent as JSON and the JSON answer decoded into out (if not nil).
// Returns the HTTP status.
func (s *Server) API(method, path string, body, out interface{}) (int, error) {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		reader = bytes.NewReader(data)
	}
	request, err := http.NewRequest(method, s.URL+path, reader)
	if err != nil {
		return 0, err
	}
	request.Header.Set("X-API-Key", s.AdminKey)
	request.Header.Set("Content-Type", "application/json")
	client := http.Client{Timeout: 10 * time.Second}
	response, err := client.Do(request)
	if err != nil {
		return 0, err
	}
	defer response.Body.Close()
	data, err := io.ReadAll(response.Body)
	if err != nil {
		return response.StatusCode, err
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return response.StatusCode, fmt.Errorf("%s %s: %v in %q", method, path, err, data)
		}
	}
	return response.StatusCode, nil
}

// must calls API and fails unless the status is the expected one.
func (s *Server) must(status int, method, path string, body, out interface{}) error {
	got, err := s.API(method, path, body, out)
	if err != nil {
		return err
	}
	if got != status {
		return fmt.Errorf("%s %s: status %d, want %d", method, path, got, status)
	}
	return nil
}

// SDKKey creates an SDK key limited to service and returns its secret.
func (s *Server) SDKKey(service string) (string, error) {
	var created struct{ Key string }
	err := s.must(http.StatusCreated, "POST", "/api/keys",
		map[string]interface{}{"name": "go test " + service, "role": "sdk", "services": []string{service}}, &created)
	return created.Key, err
}

// Breakpoint is what the management API says about a breakpoint.
type Breakpoint struct {
	ID           string `json:"id"`
	Label        string `json:"label"`
	FunctionName string `json:"function_name"`
	FilePath     string `json:"file_path"`
	LineNumber   int    `json:"line_number"`
	Enabled      bool   `json:"enabled"`
	CaptureCount int    `json:"capture_count"`
}

// Breakpoints lists the breakpoints of service.
func (s *Server) Breakpoints(service string) ([]Breakpoint, error) {
	var listed struct{ Breakpoints []Breakpoint }
	err := s.must(http.StatusOK, "GET", "/api/breakpoints?service="+url.QueryEscape(service), nil, &listed)
	return listed.Breakpoints, err
}

// CreateBreakpoint creates a breakpoint from fields (service_name,
// function_name, label, ...) and returns it.
func (s *Server) CreateBreakpoint(fields map[string]interface{}) (Breakpoint, error) {
	var created Breakpoint
	err := s.must(http.StatusCreated, "POST", "/api/breakpoints", fields, &created)
	return created, err
}

// UpdateBreakpoint changes fields of a breakpoint (e.g. {"enabled": true}).
func (s *Server) UpdateBreakpoint(id string, fields map[string]interface{}) error {
	return s.must(http.StatusOK, "PATCH", "/api/breakpoints/"+url.PathEscape(id), fields, nil)
}

// SetKillSwitch turns a service's kill switch on or off.
func (s *Server) SetKillSwitch(service string, enabled bool) error {
	return s.must(http.StatusOK, "POST", "/api/services/"+url.PathEscape(service)+"/kill-switch",
		map[string]bool{"enabled": enabled}, nil)
}

// Snapshots lists the newest snapshots of service (at most 500), as JSON
// objects.
func (s *Server) Snapshots(service string) ([]map[string]interface{}, error) {
	var listed struct{ Snapshots []map[string]interface{} }
	err := s.must(http.StatusOK, "GET", "/api/snapshots?limit=500&service="+url.QueryEscape(service), nil, &listed)
	return listed.Snapshots, err
}

// WaitFor polls condition every 20 ms until it holds or timeout passes,
// and reports whether it held.
func WaitFor(timeout time.Duration, condition func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if condition() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return condition()
}

// UniqueName returns prefix followed by random hex: a service name no
// other test uses.
func UniqueName(prefix string) string {
	return strings.ToLower(prefix) + "-" + randomHex(4)
}

func randomHex(bytes int) string {
	data := make([]byte, bytes)
	if _, err := rand.Read(data); err != nil {
		panic(err) // the system's random source failed: nothing to test with
	}
	return hex.EncodeToString(data)
}

type lockedBuffer struct {
	mu   sync.Mutex
	text strings.Builder
}

func (b *lockedBuffer) WriteLine(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.text.Len() < 1<<20 {
		b.text.WriteString(line + "\n")
	}
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.text.String()
}
