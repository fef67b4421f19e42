"""The one exception type of the binding."""


class TraceKitError(Exception):
    """A failure reported by libtracekit or detected by the binding.

    status: the tk_status code (an int, e.g. 1 for TK_ERR_INVALID_ARGUMENT);
    status_text: its short description ("invalid argument");
    message: the human-readable reason (never contains the API key).
    """

    def __init__(self, status: int, message: str, status_text: str = "") -> None:
        super().__init__(f"[{status_text or status}] {message}")
        self.status = status
        self.status_text = status_text
        self.message = message
