# frozen_string_literal: true

module TracekitNative
  # Rails: inserts the Rack middleware and, when an API key is known,
  # configures the SDK from `config.tracekit` (the official gem's Rails
  # settings) or the TRACEKIT_* environment, as the official Railtie does.
  #
  #   # config/application.rb
  #   config.tracekit.service_name = "checkout"
  #   config.tracekit.capture_depth = 5
  #
  # An SDK already configured (an initializer calling SDK.configure) is kept.
  class Railtie < ::Rails::Railtie
    config.tracekit = ActiveSupport::OrderedOptions.new

    initializer "tracekit_native.middleware" do |app|
      RailsSetup.install(app.config.tracekit, app.middleware, app_name: app.class.module_parent_name || app.class.name)
    end
  end
end
