# frozen_string_literal: true

# A loopback HTTP proxy in front of tracekit-server for the "backend stalls"
# benchmark: capture POSTs wait STALL seconds before they are forwarded; the
# SSE stream is refused and the poll answer loses its sse_endpoint, so the
# SDK polls through here. Runs in its own process (bench.rb starts it) so it
# never competes with the measured process for the GVL.
#
#   ruby stall_proxy.rb <upstream base URL> <stall seconds>   -> prints "PORT <n>"
require "json"
require "net/http"
require "socket"

upstream = URI(ARGV.fetch(0))
stall = Float(ARGV.fetch(1))
server = TCPServer.new("127.0.0.1", 0)
puts "PORT #{server.addr[1]}"
$stdout.flush
Thread.new { $stdin.read; exit!(0) } # exit when the parent goes away

def read_request(socket)
  line = socket.gets or return nil
  method, path = line.split(" ", 3)
  headers = {}
  while (header = socket.gets) && header != "\r\n"
    name, value = header.split(":", 2)
    headers[name.strip] = value.to_s.strip
  end
  length = headers.find { |k, _| k.casecmp?("Content-Length") }&.last.to_i
  [method, path, headers, length.positive? ? socket.read(length) : nil]
end

def respond(socket, status, body, content_type = "application/json")
  socket.write("HTTP/1.1 #{status} X\r\nContent-Type: #{content_type}\r\nContent-Length: #{body.bytesize}\r\n" \
               "Connection: close\r\n\r\n#{body}")
end

def forward(upstream, method, path, headers, body)
  request = Net::HTTPGenericRequest.new(method, !body.nil?, true, path)
  headers.each { |name, value| request[name] = value unless %w[host connection content-length].include?(name.downcase) }
  request.body = body if body
  Net::HTTP.start(upstream.host, upstream.port, read_timeout: 30) { |http| http.request(request) }
end

loop do
  client = server.accept
  Thread.new(client) do |socket|
    method, path, headers, body = read_request(socket)
    next if method.nil?

    if path.include?("/sdk/snapshots/stream/")
      respond(socket, 404, "{}")
      next
    end
    sleep stall if method == "POST" && path.end_with?("/sdk/snapshots/capture")
    response = forward(upstream, method, path, headers, body)
    text = response.body.to_s
    if path.include?("/sdk/snapshots/active/") && response.code == "200"
      document = JSON.parse(text)
      document.delete("sse_endpoint")
      text = JSON.generate(document)
    end
    respond(socket, response.code, text, response["Content-Type"] || "application/json")
  rescue StandardError => e
    warn "stall_proxy: #{e.class}: #{e.message}"
  ensure
    socket.close rescue nil
  end
end
