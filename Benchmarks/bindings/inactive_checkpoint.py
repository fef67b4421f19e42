"""N inactive checkpoints of the Python binding (or N calls of a no-op
function with the same arguments), for inactive_instructions.sh."""
import sys

import tracekit_native

PAYLOAD = {"order_id": 4711, "email": "jane.doe@example.com", "amount": 99.5,
           "items": ["book", "pen"], "card_number": "4111 1111 1111 1111", "express": True}


def noop(label, variables):
    return None


def checkout(capture):
    capture("order-checkout", {**PAYLOAD})


def main(mode, calls):
    # Nothing listens on port 9: no breakpoint is ever active.
    client = tracekit_native.init(api_key="tk_bench", service_name="bench", endpoint="http://127.0.0.1:9",
                                  capture_config={"poll_interval_ms": 600000})
    capture = {"native": client.capture_snapshot, "module": tracekit_native.capture_snapshot, "noop": noop}[mode]
    checkout(capture)  # the first two calls create and confirm the site
    checkout(capture)
    for _ in range(calls):
        checkout(capture)
    client.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
