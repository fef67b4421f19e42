/* The variables the client benchmarks capture: a realistic 728-byte order
   document with an email and a card number (two redactions per capture). */
#ifndef TK_BENCH_ORDER_VARIABLES_H
#define TK_BENCH_ORDER_VARIABLES_H
static const char order_variables[] =
    "{\"order\":{\"id\":\"ord_1700000000\",\"total\":129.5,\"currency\":\"EUR\",\"items\":["
    "{\"sku\":\"BOOK-42\",\"qty\":1,\"price\":29.5},{\"sku\":\"PEN-7\",\"qty\":4,\"price\":25.0}],"
    "\"created_at\":\"2026-11-25T12:00:00Z\",\"note\":\"leave at the door, ring twice\"},"
    "\"customer\":{\"id\":\"cus_8812\",\"name\":\"Jane Doe\",\"email\":\"jane.doe@example.com\","
    "\"tier\":\"gold\",\"address\":{\"street\":\"1 Main St\",\"city\":\"Springfield\",\"zip\":\"12345\"}},"
    "\"payment\":{\"method\":\"card\",\"card\":\"4111 1111 1111 1111\",\"status\":\"authorized\","
    "\"attempts\":1},\"request\":{\"path\":\"/api/checkout\",\"method\":\"POST\",\"user_agent\":"
    "\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\",\"ip\":\"203.0.113.9\"},"
    "\"flags\":{\"beta\":true,\"retry\":false},\"latency_ms\":[12,15,11,19,22,13,14],"
    "\"trace\":\"4bf92f3577b34da6a3ce929d0e0e4736\"}";
#endif
