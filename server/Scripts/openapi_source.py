"""Writes openapi.json (OpenAPI 3.1). Kept as Python so the document stays
consistent (shared schemas and error responses); run it, then embed-openapi.sh."""
import json, pathlib

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def err(desc): return {"description": desc, "content": {"application/json": {"schema": ref("Error")}}}
def ok(desc, schema): return {"description": desc, "content": {"application/json": {"schema": schema}}}
ERRORS = {"400": err("Invalid request"), "401": err("Missing or unknown API key"),
          "403": err("Key not allowed for this route or service"), "413": err("Body too large")}
def errors(*codes):
    out = {c: ERRORS[c] for c in ("401", "403") }
    for c in codes:
        out[c] = ERRORS.get(c) or err({"404": "Not found"}[c])
    return out
def body(schema, required=True):
    return {"required": required, "content": {"application/json": {"schema": schema}}}
def pathparam(name, desc):
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}, "description": desc}
def serviceparam():
    return {"name": "service", "in": "path", "required": True, "description": "Service name (at most 256 bytes of UTF-8)",
            "schema": {"type": "string", "minLength": 1, "maxLength": 256}}
def query(name, desc, schema=None):
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"}, "description": desc}

ts = {"type": "string", "format": "date-time"}
opt_int = lambda lo, hi: {"type": ["integer", "null"], "minimum": lo, "maximum": hi}
breakpoint_fields = {
    "service_name": {"type": "string", "minLength": 1, "maxLength": 256},
    "file_path": {"type": "string", "maxLength": 1024},
    "line_number": {"type": "integer", "minimum": 0, "maximum": 2147483647},
    "function_name": {"type": "string", "maxLength": 512},
    "label": {"type": "string", "maxLength": 512},
    "condition": {"type": ["string", "null"], "description": "Condition expression (docs/PROTOCOL.md 'Conditions'); validated, 400 with `offset` when invalid"},
    "condition_eval": {"enum": ["sdk-evaluable", "server-only"], "description": "Defaults from whether the SDKs can evaluate the condition"},
    "max_captures": {"type": "integer", "minimum": 0, "maximum": 2147483647, "description": "0 = unlimited"},
    "capture_frequency": {"type": "integer", "minimum": 0, "maximum": 31536000, "description": "Minimum seconds between captures (server-enforced)"},
    "expire_at": {"type": ["string", "null"], "format": "date-time"},
    "enabled": {"type": "boolean"},
    "mode": {"enum": ["snapshot", "logpoint"]},
    "stack_depth": opt_int(1, 1000), "max_depth": opt_int(1, 64), "max_payload_bytes": opt_int(1, 67108864),
    "capture_expressions": {"type": "array", "items": {"type": "string"}, "maxItems": 32},
    "idle_timeout_hours": opt_int(1, 87600),
    "metadata": {"type": "object"},
}
bp_schema = {"type": "object", "required": ["id", "service_name", "file_path", "line_number", "function_name", "label",
             "condition_eval", "max_captures", "capture_count", "enabled", "mode"],
             "properties": {"id": {"type": "string"}, **{k: v for k, v in breakpoint_fields.items()},
                            "capture_count": {"type": "integer"}, "dropped_count": {"type": "integer"},
                            "auto_registered": {"type": "boolean"}, "created_at": ts, "updated_at": ts,
                            "last_capture_at": ts}}
bp_schema["properties"]["condition"] = {"type": "string"}
bp_schema["properties"]["expire_at"] = ts
for k in ("stack_depth", "max_depth", "max_payload_bytes", "idle_timeout_hours"):
    bp_schema["properties"][k] = {"type": "integer"}

schemas = {
    "Error": {"type": "object", "required": ["error", "message"],
              "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                             "field": {"type": "string"}, "offset": {"type": "integer"}, "index": {"type": "integer"}}},
    "Breakpoint": bp_schema,
    "BreakpointCreate": {"type": "object", "required": ["service_name"], "properties": breakpoint_fields,
                         "description": "Needs file_path + line_number (> 0), or function_name + label"},
    "BreakpointPatch": {"type": "object", "properties": {**breakpoint_fields, "capture_count": {"const": 0, "description": "Reset the count"}},
                        "description": "Absent fields are kept; null clears an optional field; service_name cannot change"},
    "ActiveBreakpoints": {"type": "object", "required": ["breakpoints", "kill_switch"],
                          "properties": {"breakpoints": {"type": "array", "items": ref("Breakpoint")},
                                         "kill_switch": {"type": "boolean"}, "sse_endpoint": {"type": "string"}}},
    "SDKEvents": {"type": "object", "properties": {"events": {"type": "array", "maxItems": 1000, "items": {"type": "object"}}}},
    "AutoRegister": {"type": "object", "required": ["service_name"],
                     "properties": {"service_name": {"type": "string", "minLength": 1, "maxLength": 256},
                                    "file_path": {"type": ["string", "null"], "maxLength": 1024},
                                    "line_number": {"type": ["integer", "null"], "minimum": 0, "maximum": 2147483647},
                                    "function_name": {"type": ["string", "null"], "maxLength": 512},
                                    "label": {"type": ["string", "null"], "maxLength": 512}},
                     "description": "Needs function_name or file_path"},
    "Capture": {"type": "object", "required": ["breakpoint_id", "service_name", "file_path", "line_number", "variables", "captured_at"],
                "properties": {"breakpoint_id": {"type": "string", "minLength": 1}, "service_name": {"type": "string", "minLength": 1},
                               "file_path": {"type": "string", "minLength": 1}, "line_number": {"type": "integer", "minimum": 0, "maximum": 2147483647},
                               "function_name": {"type": ["string", "null"]}, "label": {"type": ["string", "null"]},
                               "variables": {"type": "object"},
                               "security_flags": {"type": ["array", "null"], "items": {"type": "object"}},
                               "stack_trace": {"type": ["string", "null"]}, "trace_id": {"type": ["string", "null"]},
                               "span_id": {"type": ["string", "null"]}, "request_context": {"type": ["object", "null"]},
                               "expression_results": {"type": ["object", "null"]}, "captured_at": ts,
                               "mode": {"type": ["string", "null"]}}},
    "CaptureResult": {"type": "object", "required": ["accepted"],
                      "properties": {"accepted": {"type": "boolean"}, "id": {"type": "string"},
                                     "reason": {"enum": ["breakpoint_disabled", "breakpoint_expired", "max_captures_reached",
                                                         "condition_false", "capture_frequency", "kill_switch"]}}},
    "Snapshot": {"type": "object", "required": ["id", "breakpoint_id", "service_name", "variables", "captured_at", "received_at"],
                 "description": "The capture document as the SDK sent it, plus id and received_at",
                 "properties": {"id": {"type": "string"}, "breakpoint_id": {"type": "string"}, "service_name": {"type": "string"},
                                "variables": {"type": "object"}, "captured_at": {"type": "string"}, "received_at": ts}},
    "SnapshotPage": {"type": "object", "required": ["snapshots", "next_cursor"],
                     "properties": {"snapshots": {"type": "array", "items": ref("Snapshot")}, "next_cursor": {"type": ["string", "null"]}}},
    "Service": {"type": "object", "required": ["name", "kill_switch", "connected_sdks"],
                "properties": {"name": {"type": "string"}, "kill_switch": {"type": "boolean"}, "connected_sdks": {"type": "integer"},
                               "created_at": ts, "last_seen_at": ts}},
    "KillSwitch": {"type": "object", "required": ["enabled"], "properties": {"enabled": {"type": "boolean"}}},
    "APIKey": {"type": "object", "required": ["id", "name", "prefix", "role", "created_at"],
               "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "prefix": {"type": "string"},
                              "role": {"enum": ["admin", "sdk"]},
                              "services": {"type": ["array", "null"], "items": {"type": "string"}},
                              "created_at": ts, "revoked_at": {"type": ["string", "null"], "format": "date-time"},
                              "key": {"type": "string", "description": "The secret; only in the create response"}}},
    "APIKeyCreate": {"type": "object", "required": ["name"],
                     "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 256}, "role": {"enum": ["admin", "sdk"]},
                                    "services": {"type": ["array", "null"], "items": {"type": "string"}, "maxItems": 1000}}},
}

sdk_sec = [{"apiKey": []}]
# OTLP/HTTP bodies are JSON or protobuf and not inspected: any content.
OTLP_BODY = {"required": False, "content": {"application/json": {"schema": {}}, "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}}}}
# Trace exports are parsed: JSON bodies must be ExportTraceServiceRequest objects.
OTLP_TRACES_BODY = {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "properties": {"resourceSpans": {"type": ["array", "null"], "items": {"type": "object"}}}}},
    "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}}}}
code_stats = {"hit_count": {"type": "integer"}, "first_seen_at": ts, "last_seen_at": ts}
schemas["CodeLine"] = {"type": "object", "required": ["line_number", "hit_count", "breakpoint_ids"],
                       "properties": {"line_number": {"type": "integer"}, **code_stats,
                                      "breakpoint_ids": {"type": "array", "items": {"type": "string"},
                                                         "description": "Line breakpoints an SDK here matches (the breakpoint's path a suffix of this one on whole components), most specific first"}}}
schemas["CodeFunction"] = {"type": "object", "required": ["function_name", "namespace", "lines", "hit_count"],
                           "properties": {"function_name": {"type": "string"}, "namespace": {"type": "string"},
                                          "lines": {"type": "array", "items": ref("CodeLine")}, **code_stats}}
schemas["CodeFile"] = {"type": "object", "required": ["file_path", "functions", "hit_count"],
                       "properties": {"file_path": {"type": "string"}, "functions": {"type": "array", "items": ref("CodeFunction")}, **code_stats}}
paths = {
    "/api/health": {"get": {"operationId": "health", "summary": "Liveness", "security": [],
                            "responses": {"200": ok("OK", {"type": "object", "properties": {"status": {"const": "ok"}}})}}},
    "/api/openapi.json": {"get": {"operationId": "openapi", "summary": "This document", "security": [],
                                  "responses": {"200": ok("OpenAPI 3.1 document", {"type": "object"})}}},
    "/sdk/snapshots/active/{service}": {
        "parameters": [serviceparam()],
        "get": {"operationId": "pollActive", "tags": ["sdk"], "summary": "Active breakpoints, kill switch and SSE endpoint",
                "responses": {"200": ok("Active breakpoints", ref("ActiveBreakpoints")), **errors("400")}},
        "post": {"operationId": "pollActiveWithEvents", "tags": ["sdk"], "summary": "Poll, reporting SDK telemetry events",
                 "requestBody": body(ref("SDKEvents"), required=False),
                 "responses": {"200": ok("Active breakpoints", ref("ActiveBreakpoints")), **errors("400", "413")}}},
    "/sdk/snapshots/auto-register": {"post": {
        "operationId": "autoRegister", "tags": ["sdk"], "summary": "Idempotent registration (service, function, label); new ones start enabled with max_captures 100 and idle_timeout_hours 24 (disabled with --auto-register-disabled); an existing one gets the reported file and line",
        "requestBody": body(ref("AutoRegister")),
        "responses": {"200": ok("Already registered", ref("Breakpoint")), "201": ok("Registered", ref("Breakpoint")), **errors("400", "413")}}},
    "/sdk/snapshots/capture": {"post": {
        "operationId": "capture", "tags": ["sdk"], "summary": "Submit one snapshot",
        "requestBody": body(ref("Capture")),
        "responses": {"201": ok("Stored", ref("CaptureResult")), "200": ok("Counted and dropped", ref("CaptureResult")),
                      **errors("400", "404", "413"),
                      "429": {**err("Overloaded: too many captures queued"),
                              "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}}}}}},
    "/sdk/snapshots/stream/{service}": {
        "parameters": [serviceparam()],
        "get": {"operationId": "stream", "tags": ["sdk"],
                "summary": "SSE: init, breakpoint_created/updated/deleted, kill_switch, heartbeat, sdk_count",
                "responses": {"200": {"description": "Event stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}}, **errors("400")}}},
    "/v1/traces": {"post": {"operationId": "otlpTraces", "tags": ["sdk"],
                            "summary": "OTLP/HTTP trace export (protobuf or JSON, Content-Encoding gzip accepted): code locations from span code.* attributes and exception stack traces feed the code index",
                            "requestBody": OTLP_TRACES_BODY,
                            "responses": {"200": {"description": "Indexed (empty ExportTraceServiceResponse)",
                                                  "content": {"application/json": {"schema": {"type": "object"}},
                                                              "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}}}},
                                          **errors("400", "413"), "415": err("Unsupported Content-Type or Content-Encoding")}}},
    "/v1/metrics": {"post": {"operationId": "otlpMetrics", "tags": ["sdk"],
                             "summary": "OTLP/HTTP metrics export from the official SDKs: acknowledged, not stored",
                             "requestBody": OTLP_BODY,
                             "responses": {"200": ok("Acknowledged (empty export response)", {"type": "object"}), **errors("413")}}},
    "/api/services": {"get": {"operationId": "listServices", "tags": ["management"], "summary": "Services with connected SDKs and kill switch",
                              "responses": {"200": ok("Services", {"type": "object", "required": ["services"],
                                                                    "properties": {"services": {"type": "array", "items": ref("Service")}}}), **errors()}}},
    "/api/services/{name}/kill-switch": {
        "parameters": [pathparam("name", "Service name")],
        "post": {"operationId": "setKillSwitch", "tags": ["management"], "summary": "Turn the kill switch on or off (pushed over SSE)",
                 "requestBody": body(ref("KillSwitch")),
                 "responses": {"200": ok("New state", {"type": "object", "required": ["name", "kill_switch"],
                                                       "properties": {"name": {"type": "string"}, "kill_switch": {"type": "boolean"}}}),
                               **errors("400", "404", "413")}}},
    "/api/breakpoints": {
        "get": {"operationId": "listBreakpoints", "tags": ["management"], "parameters": [query("service", "Only this service")],
                "responses": {"200": ok("Breakpoints", {"type": "object", "required": ["breakpoints"],
                                                        "properties": {"breakpoints": {"type": "array", "items": ref("Breakpoint")}}}), **errors()}},
        "post": {"operationId": "createBreakpoint", "tags": ["management"], "requestBody": body(ref("BreakpointCreate")),
                 "responses": {"201": ok("Created", ref("Breakpoint")), **errors("400", "413")}}},
    "/api/breakpoints/{id}": {
        "parameters": [pathparam("id", "Breakpoint id")],
        "get": {"operationId": "getBreakpoint", "tags": ["management"], "responses": {"200": ok("Breakpoint", ref("Breakpoint")), **errors("404")}},
        "patch": {"operationId": "updateBreakpoint", "tags": ["management"], "requestBody": body(ref("BreakpointPatch")),
                  "responses": {"200": ok("Updated", ref("Breakpoint")), **errors("400", "404", "413")}},
        "delete": {"operationId": "deleteBreakpoint", "tags": ["management"], "responses": {"204": {"description": "Deleted"}, **errors("404")}}},
    "/api/snapshots": {"delete": {
        "operationId": "deleteSnapshots", "tags": ["management"],
        "summary": "Delete every snapshot of a breakpoint and/or a service (at least one filter is required)",
        "parameters": [query("service", "Snapshots of this service"), query("breakpoint_id", "Snapshots of this breakpoint")],
        "responses": {"200": ok("How many were deleted", {"type": "object", "required": ["deleted"],
                                                          "properties": {"deleted": {"type": "integer", "minimum": 0}}}),
                      **errors("400")}}, "get": {
        "operationId": "listSnapshots", "tags": ["management"], "summary": "Newest first; page with cursor / next_cursor",
        "parameters": [query("service", "Only this service"), query("breakpoint_id", "Only this breakpoint"),
                       query("since", "captured_at >= (RFC 3339)", {"type": "string", "format": "date-time"}),
                       query("until", "captured_at <= (RFC 3339)", {"type": "string", "format": "date-time"}),
                       query("limit", "Page size", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}),
                       query("cursor", "next_cursor of the previous page", {"type": "string", "pattern": "^[1-9][0-9]{0,17}$"})],
        "responses": {"200": ok("A page", ref("SnapshotPage")), **errors("400")}}},
    "/api/snapshots/{id}": {"parameters": [pathparam("id", "Snapshot id")],
                            "get": {"operationId": "getSnapshot", "tags": ["management"], "responses": {"200": ok("Snapshot", ref("Snapshot")), **errors("404")}},
                            "delete": {"operationId": "deleteSnapshot", "tags": ["management"], "responses": {"204": {"description": "Deleted"}, **errors("404")}}},
    "/api/code": {"get": {"operationId": "listCodeIndex", "tags": ["management"], "summary": "Services with discovered code",
                          "responses": {"200": ok("Services", {"type": "object", "required": ["services"], "properties": {"services": {"type": "array", "items": {
                              "type": "object", "required": ["service_name", "files", "locations", "hit_count"],
                              "properties": {"service_name": {"type": "string"}, "files": {"type": "integer"},
                                             "locations": {"type": "integer"}, "hit_count": {"type": "integer"}}}}}}), **errors()}}},
    "/api/code/{service}": {"parameters": [pathparam("service", "Service name")],
                            "get": {"operationId": "getCodeIndex", "tags": ["management"],
                                    "summary": "The code traces revealed: file -> functions -> lines, with first/last seen and hit counts (empty for an unknown service)",
                                    "responses": {"200": ok("Code tree", {"type": "object", "required": ["service_name", "files"],
                                                                          "properties": {"service_name": {"type": "string"},
                                                                                         "files": {"type": "array", "items": ref("CodeFile")}}}), **errors()}}},
    "/api/keys": {
        "get": {"operationId": "listKeys", "tags": ["management"],
                "responses": {"200": ok("Keys (no secrets)", {"type": "object", "required": ["keys"],
                                                              "properties": {"keys": {"type": "array", "items": ref("APIKey")}}}), **errors()}},
        "post": {"operationId": "createKey", "tags": ["management"], "summary": "Create a key; the secret is returned once",
                 "requestBody": body(ref("APIKeyCreate")), "responses": {"201": ok("Created", ref("APIKey")), **errors("400", "413")}}},
    "/api/keys/{id}": {"parameters": [pathparam("id", "Key id")],
                       "delete": {"operationId": "revokeKey", "tags": ["management"], "responses": {"200": ok("Revoked", ref("APIKey")), **errors("404")}}},
}

doc = {
    "openapi": "3.1.0",
    "info": {"title": "tracekit-server", "version": "0.1.0",
             "description": "Self-hosted TraceKit backend. /sdk/ routes are the TraceKit wire protocol (any valid key for the service); /api/ routes need an admin key. Every 4xx/5xx body is {\"error\", \"message\"}."},
    "servers": [{"url": "http://127.0.0.1:7070"}],
    "security": sdk_sec,
    "components": {"securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}, "schemas": schemas},
    "paths": paths,
}
out = pathlib.Path(__file__).resolve().parent.parent / "openapi.json"
out.write_text(json.dumps(doc, indent=2) + "\n")
print("wrote", out)
