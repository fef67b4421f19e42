# frozen_string_literal: true

# Runs every suite: ruby -Ilib -Itest test/run_all.rb (from bindings/ruby).
Dir[File.join(__dir__, "test_*.rb")].sort.each { |file| require file unless file.end_with?("test_helper.rb") }
