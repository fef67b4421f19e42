# frozen_string_literal: true

# Shared setup: the library under test and a real tracekit-server.
#
# TRACEKIT_LIBRARY defaults to the repository's staged build
# (make install PREFIX=$PWD/.build/stage); TRACEKIT_SERVER_BIN must name a
# tracekit-server executable: the suites that need a backend start one
# (temporary SQLite database, free port, generated admin key) and stop it
# when the run ends.
staged = File.expand_path("../../../.build/stage/lib/libtracekit.so", __dir__)
ENV["TRACEKIT_LIBRARY"] ||= staged if File.exist?(staged)
# The environment must not leak settings into the tests.
%w[TRACEKIT_API_KEY TRACEKIT_SERVICE_NAME TRACEKIT_ENDPOINT TRACEKIT_CODE_MONITORING].each { |name| ENV.delete(name) }

require "minitest/autorun"
require "minitest/mock"
require "json"
require "net/http"
require "securerandom"
require "tmpdir"
require "fileutils"
require "tracekit_native"

# Waits for a block to return truthy, polling every 20 ms.
def eventually(timeout = 5.0)
  deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
  loop do
    result = yield
    return result if result
    return nil if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

    sleep 0.02
  end
end

# One tracekit-server process for the whole run.
class TracekitServer
  attr_reader :base_url, :admin_key

  def self.instance
    @instance ||= new.tap(&:start)
  end

  def start
    binary = ENV["TRACEKIT_SERVER_BIN"].to_s
    if binary.empty? || !File.executable?(binary)
      abort "TRACEKIT_SERVER_BIN must name the tracekit-server executable " \
            "(got #{binary.empty? ? 'nothing' : binary.inspect}); build it with " \
            "`swift build --package-path server --scratch-path server/.build-server --product tracekit-server`"
    end
    @dir = Dir.mktmpdir("tracekit-ruby-tests")
    @admin_key = "tk_admin_#{SecureRandom.hex(12)}"
    @log = File.join(@dir, "server.log")
    @pid = Process.spawn(binary, "--host", "127.0.0.1", "--port", "0", "--database", File.join(@dir, "db.sqlite"),
                         "--admin-key", @admin_key, "--log-level", "info",
                         "--auto-register-disabled", # the tests enable the breakpoints they need
                         out: @log, err: [:child, :out], pgroup: true)
    at_exit { stop }
    port = eventually(30) { File.read(@log)[/listening on 127\.0\.0\.1:(\d+)/, 1] }
    abort "tracekit-server did not start:\n#{File.read(@log)}" unless port
    @base_url = "http://127.0.0.1:#{port}"
  end

  def stop
    return unless @pid

    Process.kill("TERM", @pid)
    Process.wait(@pid)
  rescue Errno::ESRCH, Errno::ECHILD
    nil
  ensure
    @pid = nil
    FileUtils.rm_rf(@dir) if @dir
  end

  # Calls the management API; returns the parsed JSON body.
  def api(method, path, body = nil)
    uri = URI("#{base_url}#{path}")
    request = { get: Net::HTTP::Get, post: Net::HTTP::Post, patch: Net::HTTP::Patch }.fetch(method).new(uri)
    request["X-API-Key"] = admin_key
    request["Content-Type"] = "application/json"
    request.body = JSON.generate(body) if body
    response = Net::HTTP.start(uri.host, uri.port) { |http| http.request(request) }
    raise "#{method.upcase} #{path}: HTTP #{response.code} #{response.body}" unless response.code.start_with?("2")

    JSON.parse(response.body)
  end

  def create_breakpoint(service, function:, label:, **fields)
    api(:post, "/api/breakpoints",
        { service_name: service, function_name: function, label: label, enabled: true }.merge(fields))
  end

  def snapshots(service)
    api(:get, "/api/snapshots?service=#{service}")["snapshots"]
  end

  def kill_switch(service, enabled)
    api(:post, "/api/services/#{service}/kill-switch", { enabled: enabled })
  end
end

# The set-up of the suites that capture against the shared server: a service
# of its own per test, `configure` for a client of it (polling every 0.2 s,
# other settings by keyword), the client shut down after each test.
module ServerBackedTest
  def setup
    @server = TracekitServer.instance
    @service = "#{service_prefix}-#{name.delete_prefix('test_').tr('_', '-')[0, 30]}-#{SecureRandom.hex(3)}"
  end

  def teardown
    TracekitNative.shutdown
  end

  def service_prefix = "rb"

  def configure(**settings)
    server = @server
    service = @service
    TracekitNative::SDK.configure do |c|
      c.api_key = server.admin_key
      c.service_name = service
      c.endpoint = server.base_url
      c.code_monitoring_poll_interval = 0.2
      settings.each { |setting, value| c.public_send(:"#{setting}=", value) }
    end
  end
end
