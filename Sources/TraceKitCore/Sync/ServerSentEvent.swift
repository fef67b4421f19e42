/// One event dispatched by an `EventStreamParser`.
public struct ServerSentEvent: Sendable, Equatable {
    /// The `event:` field, or "message" when the event did not name itself.
    public var event: String
    /// The `data:` lines joined with "\n".
    public var data: String
    /// The stream's last event ID when this event was dispatched (the WHATWG
    /// `lastEventId`: it persists across events until an `id:` field changes
    /// it); nil while no id has been set or after `id:` with an empty value.
    public var id: String?

    public init(event: String, data: String, id: String?) {
        self.event = event
        self.data = data
        self.id = id
    }
}
