"""One Lambda execution environment for a Python function, started by python-environment.ts.

It does what the Lambda Python runtime interface client (aws-lambda-python-runtime-interface-client,
awslambdaric/bootstrap.py) does, with the same error types, texts and payloads: it puts the task
root and the layers on sys.path, loads the handler `module.sub.func`, formats the root logger's
lines as Lambda does, and runs one invocation at a time with Lambda's context object. Instead of
the Runtime API it speaks JSON lines on a file descriptor the runtime gives it (the messages of
worker.mjs): `ready` or `init-error` once, then for each `invoke` a `started` when the handler
starts, a `returned` when its answer is ready (the function's timeout counts between the two),
and the `result` (its payload following the line as it is, `payloadBytes` long) or `error`.
"""

import decimal
import importlib
import json
import logging
import os
import queue
import resource
import socket
import sys
import threading
import time
import traceback

INIT = json.loads(sys.argv[1])
THIS_FILE = os.path.realpath(__file__)
# As Lambda's runtime marks the line breaks inside one record on stdout; the runtime here reads them back (console-format.mjs's logRecord).
RECORD_BREAK = "\r"
# How the runtime interface client indents a logged traceback's lines (a no-break space keeps the indentation in CloudWatch).
LOG_INDENT = "\u00a0"
UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare cases, "
    "a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, runtime updates "
    "can be triggered by a function change, or can be applied automatically. To determine if the runtime has been updated, "
    "check the runtime version in the INIT_START log entry. If this error correlates with a change in the runtime version, "
    "you may be able to mitigate this error by temporarily rolling back to the previous runtime version. For more "
    "information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


class FaultException(Exception):
    """An error of the runtime's own (`Runtime.*`), as the runtime interface client raises them."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


class Channel:
    """The messages to and from the runtime: JSON lines on the file descriptor it gave."""

    def __init__(self, fd):
        self.sock = socket.socket(fileno=fd)
        self.sock.set_inheritable(False)
        self.lock = threading.Lock()
        self.inbox = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.sock.makefile("rb"):
            self.inbox.put(json.loads(line))
        # The runtime is gone (stopped, or ended without stopping this environment): so is the environment,
        # even in the middle of an invocation, as Lambda's would be.
        os._exit(0)

    def send(self, message, payload=None):
        """The message as a line; a `payload` (text) follows it as it is, its length in `payloadBytes`:
        a 5 MiB result encoded again as a JSON string inside the line cost more than its crossing."""
        raw = b"" if payload is None else payload.encode("utf-8")
        if payload is not None:
            message = {**message, "payloadBytes": len(raw)}
        data = (json.dumps(message, ensure_ascii=False) + "\n").encode("utf-8")
        with self.lock:
            self.sock.sendall(data + raw if raw else data)

    def receive(self):
        return self.inbox.get()


class CapturingStream:
    """stdout or stderr written through at once (as the runtime interface client's Unbuffered), and kept during an invocation."""

    captured = None

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def write(self, text):
        if CapturingStream.captured is not None:
            CapturingStream.captured.append(text)
        written = self.stream.write(text)
        self.stream.flush()
        return written

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    @staticmethod
    def take_lines():
        """The lines written since the invocation began, ending the capture, and how many ended with a line end:
        the lines the runtime's stdout and stderr readers get for them, which it waits for before END and REPORT
        (they travel apart from the answer). (None, None) when the capture was not asked for."""
        if CapturingStream.captured is None:
            return None, None
        text = "".join(CapturingStream.captured)
        CapturingStream.captured = None
        lines = text.split("\n")
        console_lines = len(lines) - 1
        if lines and lines[-1] == "":
            lines.pop()
        return lines, console_lines


REQUEST = {"id": None}


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = REQUEST["id"] or ""
        return True


class LambdaTextHandler(logging.Handler):
    """Each record as one log record: its own line breaks marked, as Lambda keeps a multi-line message one event."""

    def emit(self, record):
        text = self.format(record)
        sys.stdout.write(text.rstrip("\n").replace("\n", RECORD_BREAK) + "\n")


class JsonFormatter(logging.Formatter):
    """The JSON log format (LoggingConfig.LogFormat JSON), as the runtime interface client writes it."""

    RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"aws_request_id", "message", "asctime"}

    def __init__(self):
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")

    def format(self, record):
        level = min(50, max(0, record.levelno)) // 10 * 10
        exc = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": logging.getLevelName(level),
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None,
        }
        result.update((k, v) for k, v in vars(record).items() if k not in self.RESERVED and k not in result)
        return json.dumps({k: v for k, v in result.items() if v is not None}, ensure_ascii=False, default=str)


def setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = LambdaTextHandler()
    settings = INIT.get("logging") or {}
    if settings.get("logFormat") == "JSON":
        handler.setFormatter(JsonFormatter())
        level = {"TRACE": "DEBUG"}.get(settings.get("applicationLogLevel"), settings.get("applicationLogLevel"))
        if level in logging._nameToLevel:
            logging.getLogger().setLevel(level)
    else:
        handler.setFormatter(
            logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S")
        )
    handler.addFilter(RequestIdFilter())
    logging.getLogger().addHandler(handler)


def setup_sys_path():
    """Lambda's search path: the task root, then each layer's `python/lib/python3.x/site-packages` and `python`, later layers first."""
    del sys.path[0]  # this script's folder: Lambda's runtime is not on the function's path
    layer_paths = []
    for root in reversed(INIT["layerRoots"]):
        layer_paths += [os.path.join(root, "python", "lib", INIT["runtime"], "site-packages"), os.path.join(root, "python")]
    sys.path[0:0] = [INIT["taskRoot"], *layer_paths]
    # A public layer not provided here holds these at another release than the machine's: not the machine's either.
    if INIT.get("hiddenModules"):
        sys.meta_path.insert(0, HiddenModules(set(INIT["hiddenModules"])))


class HiddenModules:
    """Finds the hidden modules nowhere, as Lambda's runtime would without the layer that holds them."""

    def __init__(self, names):
        self.names = names

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return None


def function_frames(tb):
    """A traceback's frames from the first of the function's code (the runtime's own above it left out, as Lambda does)."""
    frames = traceback.extract_tb(tb)
    for at, frame in enumerate(frames):
        if os.path.realpath(frame.filename) != THIS_FILE:
            return frames[at:]
    return frames


# python3.8's runtime kept an older runtime interface client, whose error payload has no requestId (AWS's recordings show it).
ERROR_HAS_REQUEST_ID = INIT["runtime"] != "python3.8"


def make_error(message, error_type, stack_trace, request_id=None):
    error = {"errorMessage": message or "", "errorType": error_type or ""}
    if ERROR_HAS_REQUEST_ID:
        error["requestId"] = request_id if request_id is not None else ""
    error["stackTrace"] = stack_trace or []
    return error


def error_of(exc, request_id=None):
    if isinstance(exc, FaultException):
        return make_error(exc.message, exc.error_type, exc.trace, request_id)
    return make_error(str(exc), type(exc).__name__, traceback.format_list(function_frames(exc.__traceback__)), request_id)


def error_log_line(error):
    """`[ERROR] <type>: <message>` and the traceback, one record, as the runtime interface client logs a function's error."""
    lines = ["[ERROR] " + ": ".join(part for part in (error["errorType"], error["errorMessage"]) if part)]
    lines.append("Traceback (most recent call last):")
    for element in error["stackTrace"]:
        for line in element.splitlines() or [""]:
            stripped = line.lstrip(" ")
            lines.append(LOG_INDENT * (len(line) - len(stripped)) + stripped)
    return RECORD_BREAK.join(lines)


def load_handler(handler):
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {e}")
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                "Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_name} as a handler module"
            )
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise FaultException("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {e}")
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {e}", trace)
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise FaultException("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")


class FromDict:
    __slots__ = ()

    def __init__(self, values):
        for field in self.__slots__:
            setattr(self, field, values.get(field))


class CognitoIdentity(FromDict):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client(FromDict):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext(FromDict):
    __slots__ = ["custom", "env", "client"]


class LambdaContext:
    """The handler's `context`, with the members and methods the runtime interface client's LambdaContext has."""

    def __init__(self, message):
        self.aws_request_id = message["requestId"]
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = message.get("functionVersion") or os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = message.get("invokedFunctionArn") or INIT["invokedFunctionArn"]
        self.tenant_id = None
        client_context = message.get("clientContext")
        self.client_context = None if client_context is None else ClientContext(client_context)
        if self.client_context is not None and self.client_context.client is not None:
            self.client_context.client = Client(self.client_context.client)
        self.identity = CognitoIdentity({})
        self._deadline_ms = message["deadline"]

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def log(self, msg):
        sys.stdout.write(str(msg))


class ResponseEncoder(json.JSONEncoder):
    """Lambda's JSON for a result: Decimal as a number; python3.12 and later keep non-ASCII text as it is."""

    def default(self, o):
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return float("nan")
            return int(o) if o == o.to_integral_value() else float(o)
        return super().default(o)


ENCODER = ResponseEncoder(allow_nan=True, ensure_ascii=INIT["runtime"] in ("python3.9", "python3.10", "python3.11"))


def marshal(result):
    if isinstance(result, bytes):
        return result.decode("utf-8", errors="replace")
    try:
        return ENCODER.encode(result)
    except Exception as e:
        raise FaultException("Runtime.MarshalError", f"Unable to marshal response: {e}")


def memory_used_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def invoke(channel, handler, message):
    REQUEST["id"] = message["requestId"]
    if message.get("traceHeader"):
        os.environ["_X_AMZN_TRACE_ID"] = message["traceHeader"]
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    CapturingStream.captured = [] if message.get("captureLog") else None
    answer = {"id": message["id"]}
    # The function's time starts now that the event is here, as Lambda's starts when its runtime takes
    # the event: moving the event in (and the answer out) is the platform's work (invocation-timeout.ts).
    message["deadline"] = int(time.time() * 1000) + message["timeoutMs"]
    channel.send({"type": "started", "id": message["id"]})
    payload = None
    try:
        answer["type"] = "result"
        payload = marshal(handler(message.get("event"), LambdaContext(message)))
    except Exception as e:
        error = error_of(e, message["requestId"])
        sys.stdout.write(error_log_line(error) + "\n")
        # The payload is the error as the runtime interface client posts it (its encoder's separators).
        answer.update(type="error", error=error, payload=ENCODER.encode(error), logged=True)
    channel.send({"type": "returned", "id": message["id"]})
    log_lines, console_lines = CapturingStream.take_lines()
    answer.update(memoryUsedMb=memory_used_mb(), logLines=log_lines)
    if console_lines is not None:
        answer["consoleLines"] = console_lines
    channel.send(answer, payload)


def main():
    channel = Channel(INIT["channelFd"])
    sys.argv = [THIS_FILE]
    sys.stdout = CapturingStream(sys.stdout)
    sys.stderr = CapturingStream(sys.stderr)
    try:
        setup_sys_path()
        setup_logging()
        handler = load_handler(INIT["handler"])
    except Exception as e:
        error = error_of(e)
        warning = f"[WARNING]\t{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime())}.{int(time.time() * 1000) % 1000:03d}Z\t\t{UNHANDLED_WARNING}"
        channel.send(
            {"type": "init-error", "error": error, "payload": ENCODER.encode(error), "logLines": [warning, error_log_line(error)]}
        )
        # As Lambda's runtime exits after reporting a failed init; the next invocation starts a new environment.
        return
    # Without a duration of its own, the init's is the runtime's from the process's start: the interpreter's start-up is Lambda's init too.
    channel.send({"type": "ready"})
    while True:
        message = channel.receive()
        if message.get("type") == "invoke":
            invoke(channel, handler, message)


main()
