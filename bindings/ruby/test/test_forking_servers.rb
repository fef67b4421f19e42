# frozen_string_literal: true

require_relative "test_helper"
require "open3"

# A real forking server: Puma in cluster mode with preload_app!, the SDK
# configured once in the master before the workers fork. Every worker
# captures with its own client.
class TestForkingServers < Minitest::Test
  APP = <<~RUBY
    require "tracekit_native"

    TracekitNative::SDK.configure do |c|
      c.api_key = ENV.fetch("TEST_API_KEY")
      c.service_name = ENV.fetch("TEST_SERVICE")
      c.endpoint = ENV.fetch("TEST_ENDPOINT")
      c.code_monitoring_poll_interval = 0.2
    end

    def report_pid
      TracekitNative.capture_snapshot("report-pid", { pid: Process.pid })
    end

    run lambda { |_env|
      report_pid
      sleep 0.05 # long enough that concurrent requests reach both workers
      [200, { "content-type" => "text/plain" }, [Process.pid.to_s]]
    }
  RUBY

  PUMA_CONFIG = <<~RUBY
    workers 2
    preload_app!
    bind "tcp://127.0.0.1:0"
    quiet
  RUBY

  def setup
    @server = TracekitServer.instance
    @service = "rb-puma-#{SecureRandom.hex(4)}"
    @dir = Dir.mktmpdir("tracekit-puma")
  end

  def teardown
    if @puma
      Process.kill("TERM", -@puma)
      Process.wait(@puma)
    end
  rescue Errno::ESRCH, Errno::ECHILD
    nil
  ensure
    FileUtils.rm_rf(@dir)
  end

  def start_puma
    puma = ENV.fetch("PATH", "").split(File::PATH_SEPARATOR).map { |dir| File.join(dir, "puma") }
              .find { |path| File.executable?(path) }
    flunk "puma is not installed (scripts/install-deps.sh installs Debian's puma)" unless puma
    File.write(File.join(@dir, "config.ru"), APP)
    File.write(File.join(@dir, "puma.rb"), PUMA_CONFIG)
    env = { "RUBYLIB" => [File.expand_path("../lib", __dir__), ENV["RUBYLIB"]].compact.join(File::PATH_SEPARATOR),
            "TEST_API_KEY" => @server.admin_key, "TEST_SERVICE" => @service, "TEST_ENDPOINT" => @server.base_url }
    log = File.join(@dir, "puma.log")
    @puma = Process.spawn(env, puma, "-C", "puma.rb", "config.ru", chdir: @dir, out: log, err: [:child, :out],
                                                                     pgroup: true)
    port = eventually(30) { File.read(log)[%r{Listening on http://127\.0\.0\.1:(\d+)}, 1] }
    assert port, "puma did not start:\n#{File.read(log)}"
    Integer(port)
  end

  def captured_pids
    @server.snapshots(@service).map { |snapshot| snapshot["variables"]["pid"] }.uniq
  end

  def test_puma_cluster_workers_each_capture
    @server.create_breakpoint(@service, function: "report_pid", label: "report-pid")
    port = start_puma
    worker_pids = []
    done = eventually(20) do
      worker_pids |= Array.new(8) { Thread.new { Net::HTTP.get(URI("http://127.0.0.1:#{port}/")).to_i } }.map(&:value)
      worker_pids.size == 2 && (worker_pids - captured_pids).empty?
    end
    assert_equal 2, worker_pids.size, "requests reached #{worker_pids.inspect}"
    refute_includes worker_pids, @puma
    assert done, "captured from #{captured_pids.inspect}, workers #{worker_pids.inspect}"
  end
end
