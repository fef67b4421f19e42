import Foundation
import SwiftProtobuf

/// Reads an OTLP/HTTP protobuf trace export (`ExportTraceServiceRequest`,
/// generated code in `OTLP/`, see `Scripts/generate-otlp-protobuf.sh`) into
/// a `TraceBatch`.
enum TraceIngestProtobuf {
    static func decode(_ bytes: [UInt8]) throws(TraceDecodingError) -> TraceBatch {
        let request: Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest
        do {
            // Nesting is bounded (AnyValue may nest) so a crafted body cannot exhaust the stack.
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            request = try .init(serializedBytes: bytes, options: options)
        } catch {
            throw TraceDecodingError("the body is not a valid protobuf ExportTraceServiceRequest (\(error))")
        }
        var batch = TraceBatch()
        for resourceSpans in request.resourceSpans {
            let resourceAttributes = attributes(resourceSpans.resource.attributes)
            let service = resourceAttributes["service.name"].flatMap { $0.isEmpty ? nil : $0 } ?? TraceBatch.unknownService
            let spans = resourceSpans.scopeSpans.flatMap(\.spans).map { span in
                TraceBatch.Span(
                    name: span.name, attributes: attributes(span.attributes),
                    exceptionStacktraces: span.events.filter { $0.name == "exception" }
                        .compactMap { attributes($0.attributes)["exception.stacktrace"] })
            }
            batch.resources.append(.init(serviceName: String(service.prefix(256)), spans: spans))
        }
        return batch
    }

    static func attributes(_ list: [Opentelemetry_Proto_Common_V1_KeyValue]) -> [String: String] {
        var result: [String: String] = [:]
        for attribute in list {
            switch attribute.value.value {
            case .stringValue(let text)?: result[attribute.key] = text
            case .intValue(let number)?: result[attribute.key] = String(number)
            case .doubleValue(let number)?: result[attribute.key] = String(number)
            case .boolValue(let flag)?: result[attribute.key] = String(flag)
            default: break   // arrays, maps and bytes are not code locations
            }
        }
        return result
    }
}
