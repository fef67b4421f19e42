# frozen_string_literal: true

# A small checkout service (WEBrick + Rack-style middleware) with a TraceKit
# checkpoint in the order-checkout handler. Its variables include an email
# and a card number: the snapshot shows them as [REDACTED:email] and
# [REDACTED:credit_card].
#
#   TRACEKIT_API_KEY=<key> TRACEKIT_ENDPOINT=http://127.0.0.1:7070 \
#     ruby -I bindings/ruby/lib examples/ruby/checkout_service.rb      # listens on PORT (default 8082)
#   curl -X POST -H 'Content-Type: application/json' \
#     -d '{"email":"jane.doe@example.com","card_number":"4111 1111 1111 1111","items":["book"],"total":42.5}' \
#     http://127.0.0.1:8082/checkout
#
# Enable the breakpoint "order-checkout" (function "checkout") in the
# dashboard or with the management API; the next request is captured.
require "json"
require "stringio"
require "webrick"
require "tracekit_native"

TracekitNative::SDK.configure do |c|
  c.api_key = ENV.fetch("TRACEKIT_API_KEY") { abort "set TRACEKIT_API_KEY" }
  c.service_name = ENV.fetch("TRACEKIT_SERVICE_NAME", "checkout-ruby")
  c.endpoint = ENV.fetch("TRACEKIT_ENDPOINT", "http://127.0.0.1:7070")
  c.capture_depth = 5
  c.code_monitoring_poll_interval = 1
end

# The handler: validates the order and "charges" the card.
def checkout(order)
  total = order.fetch("total", 0).to_f
  order_id = "ord_#{Process.clock_gettime(Process::CLOCK_REALTIME, :millisecond)}"
  TracekitNative.capture_snapshot("order-checkout", {
                                    order_id: order_id, email: order["email"], card_number: order["card_number"],
                                    items: order["items"], total: total
                                  })
  { order_id: order_id, status: "paid", total: total }
end

# The Rack app the middleware wraps: POST /checkout, GET /health.
App = lambda do |env|
  case [env["REQUEST_METHOD"], env["PATH_INFO"]]
  when ["POST", "/checkout"]
    order = JSON.parse(env["rack.input"].read.to_s)
    [200, { "Content-Type" => "application/json" }, [JSON.generate(checkout(order))]]
  when ["GET", "/health"]
    [200, { "Content-Type" => "text/plain" }, ["ok"]]
  else
    [404, { "Content-Type" => "text/plain" }, ["not found"]]
  end
rescue JSON::ParserError, KeyError => e
  [400, { "Content-Type" => "text/plain" }, ["bad order: #{e.message}"]]
end
Stack = TracekitNative::RackMiddleware.new(App)

# WEBrick -> a minimal Rack env (no rack gem needed).
def rack_env(request)
  env = {
    "REQUEST_METHOD" => request.request_method, "SCRIPT_NAME" => "", "PATH_INFO" => request.path,
    "QUERY_STRING" => request.query_string.to_s, "SERVER_NAME" => request.host.to_s,
    "SERVER_PORT" => request.port.to_s, "REMOTE_ADDR" => request.peeraddr&.at(3).to_s,
    "rack.url_scheme" => "http", "rack.input" => StringIO.new(request.body.to_s)
  }
  request.each { |name, value| env["HTTP_#{name.upcase.tr('-', '_')}"] = value }
  env["CONTENT_TYPE"] = env.delete("HTTP_CONTENT_TYPE") if env.key?("HTTP_CONTENT_TYPE")
  env
end

port = Integer(ENV.fetch("PORT", "8082"))
server = WEBrick::HTTPServer.new(BindAddress: "127.0.0.1", Port: port, AccessLog: [],
                                 Logger: WEBrick::Log.new($stderr, WEBrick::Log::WARN))
server.mount_proc("/") do |request, response|
  status, headers, body = Stack.call(rack_env(request))
  response.status = status
  headers.each { |name, value| response[name] = value }
  response.body = body.join
end
trap("INT") { server.shutdown }
trap("TERM") { server.shutdown }
puts "checkout-ruby listening on http://127.0.0.1:#{port}"
$stdout.flush
server.start
TracekitNative.shutdown
