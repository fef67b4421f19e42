# frozen_string_literal: true

module TracekitNative
  # What the Railtie does at boot, apart from Rails itself (so it can be
  # used and tested with any Rack middleware stack).
  module RailsSetup
    module_function

    # settings: config.tracekit (anything with #to_h of setting => value);
    # middleware: the app's middleware stack (#use).
    def install(settings, middleware, app_name: nil)
      middleware.use(RackMiddleware)
      configure(settings.to_h, app_name) if SDK.current.nil? && api_key?(settings.to_h)
    end

    def api_key?(settings)
      !(settings[:api_key] || ENV["TRACEKIT_API_KEY"]).to_s.empty?
    end

    # Every setting of config.tracekit goes to the Config of the same name
    # (an unknown one raises, naming it); the service is named after the
    # application unless set.
    def configure(settings, app_name)
      SDK.configure do |c|
        settings.each do |name, value|
          setter = :"#{name}="
          raise Error.new("config.tracekit.#{name} is not a TraceKit setting") unless c.respond_to?(setter)

          c.public_send(setter, value)
        end
        c.service_name ||= ENV["TRACEKIT_SERVICE_NAME"] || service_name_for(app_name)
      end
    end

    # "MyShop" -> "my_shop", as the official Railtie names the service.
    def service_name_for(app_name)
      return nil if app_name.nil?

      app_name.to_s.gsub(/([a-z\d])([A-Z])/, '\1_\2').downcase
    end
  end
end
