# frozen_string_literal: true

module TracekitNative
  VERSION = "0.1.0"
end
