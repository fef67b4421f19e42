#!/usr/bin/env bash
# Builds the Java binding with javac/jar (no Maven): build/tracekit-native.jar,
# the tests and examples/java; then runs the JUnit 5 tests with the console
# launcher. Jars come from Debian packages (libjna-java, libservlet-api-java,
# libjetty9-java, junit5) under /usr/share/java (JAVA_LIBS to override).
#
#   bindings/java/build.sh                       build and test (TRACEKIT_LIBRARY, TRACEKIT_SERVER_BIN set)
#   bindings/java/build.sh --build               build only
#   bindings/java/build.sh --example-classpath   print the example's classpath
#   bindings/java/build.sh --benchmark           build, then run Benchmarks/java/Bench.java
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
EXAMPLE=$HERE/../../examples/java
LIBS=${JAVA_LIBS:-/usr/share/java}
BUILD=$HERE/build
JETTY=$(printf "$LIBS/%s.jar:" jetty9-server jetty9-servlet jetty9-util jetty9-http jetty9-io jetty9-security)
MAIN_CP=$LIBS/jna.jar:$LIBS/servlet-api.jar
EXAMPLE_CP=$BUILD/tracekit-native.jar:$BUILD/example:$MAIN_CP:$JETTY
TEST_CP=$BUILD/tracekit-native.jar:$BUILD/test:$MAIN_CP:$LIBS/junit-platform-console-standalone.jar

if [ "${1:-}" = --example-classpath ]; then echo "$EXAMPLE_CP"; exit 0; fi

build() {
  rm -rf "$BUILD"
  mkdir -p "$BUILD/classes" "$BUILD/test" "$BUILD/example" "$BUILD/benchmark"
  javac -Xlint:all -Werror --release 17 -d "$BUILD/classes" -cp "$MAIN_CP" $(find src/main/java -name '*.java')
  jar --create --file "$BUILD/tracekit-native.jar" -C "$BUILD/classes" .
  javac --release 17 -d "$BUILD/test" -cp "$TEST_CP" $(find src/test/java -name '*.java')
  javac --release 17 -d "$BUILD/example" -cp "$EXAMPLE_CP" "$EXAMPLE"/*.java
  javac --release 17 -d "$BUILD/benchmark" -cp "$TEST_CP" "$HERE/../../Benchmarks/java/Bench.java"
  echo "built $BUILD/tracekit-native.jar, tests, examples/java"
}

build
[ "${1:-}" = --build ] && exit 0
if [ "${1:-}" = --benchmark ]; then exec java -cp "$TEST_CP:$BUILD/benchmark" Bench; fi
# --fail-if-no-tests: "no tests" fails the run.
java -Dtracekit.example.classpath="$EXAMPLE_CP" -jar "$LIBS/junit-platform-console-standalone.jar" \
  --class-path "$TEST_CP" --scan-class-path "$BUILD/test" --fail-if-no-tests --disable-banner \
  --details=summary --details-theme=ascii
