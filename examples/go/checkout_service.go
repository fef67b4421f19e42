// A small checkout service with a TraceKit checkpoint (net/http).
//
//	TRACEKIT_API_KEY=... TRACEKIT_ENDPOINT=http://127.0.0.1:7070 go run . --port 8081
//
// POST /checkout with a JSON order; the handler's checkpoint "order-checkout"
// captures the order (with the customer's email and card number) whenever a
// breakpoint is enabled on it: the library scrubs them before anything
// leaves. Each request runs on its own goroutine; they share the one
// checkpoint. On SIGTERM or SIGINT it stops serving, shuts the SDK down and
// prints the SDK's final counters as one JSON line.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tracekit-native/tracekit-native/bindings/go/tracekit"
)

type item struct {
	SKU   string  `json:"sku"`
	Price float64 `json:"price"`
	Qty   int     `json:"qty"`
}

type order struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Card  string `json:"card"`
	Items []item `json:"items"`
}

type checkoutService struct {
	sdk *tracekit.SDK
}

func (s *checkoutService) checkout(w http.ResponseWriter, r *http.Request) {
	var placed order
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&placed) != nil {
		http.Error(w, `{"error":"POST a JSON order"}`, http.StatusBadRequest)
		return
	}
	total := 0.0
	for _, line := range placed.Items {
		total += line.Price * float64(line.Qty)
	}
	// The checkpoint: a no-op until someone enables a breakpoint on it.
	s.sdk.CheckAndCaptureWithContext(r.Context(), "order-checkout", map[string]interface{}{
		"customer": map[string]string{"email": placed.Email, "name": placed.Name},
		"payment":  map[string]interface{}{"card": placed.Card, "amount": total},
		"items":    placed.Items,
		"total":    total,
	})
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]interface{}{"status": "accepted", "total": total})
}

func main() {
	port := flag.Int("port", 8081, "port to listen on (127.0.0.1; 0 = any free port)")
	flag.Parse()
	service := os.Getenv("TRACEKIT_SERVICE_NAME")
	if service == "" {
		service = "checkout"
	}
	sdk, err := tracekit.NewSDK(&tracekit.Config{
		APIKey:                     os.Getenv("TRACEKIT_API_KEY"),
		ServiceName:                service,
		Endpoint:                   os.Getenv("TRACEKIT_ENDPOINT"),
		EnableCodeMonitoring:       true,
		CodeMonitoringPollInterval: time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	shop := &checkoutService{sdk: sdk}
	mux := http.NewServeMux()
	mux.Handle("/checkout", sdk.HTTPHandler(http.HandlerFunc(shop.checkout), "checkout"))

	listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("checkout service on http://%s\n", listener.Addr())
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go server.Serve(listener)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	server.Shutdown(ctx)
	stats, _ := sdk.Stats()
	if err := sdk.Shutdown(ctx); err != nil {
		log.Print(err)
	}
	final, _ := json.Marshal(stats)
	fmt.Println(string(final))
}
