"""Helpers for the integration tests: the real herald binary, a recording
HTTP sink, a forwarding proxy, TLS material made with the openssl CLI, and
polling.

Everything binds 127.0.0.1 on ephemeral ports and lives in its own temporary
directory, so test files can run in parallel.

Environment:
  HERALD_BIN          the herald executable (default: ../../build/bin/herald)
  HERALD_PLUGINS_DIR  the plugins directory (default: next to the binary,
                      <bin dir>/../lib/herald/plugins)
"""

import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def herald_bin():
    path = os.environ.get("HERALD_BIN") or os.path.join(REPO, "build", "bin", "herald")
    if not os.path.isfile(path):
        raise AssertionError(f"herald binary not found at {path} (set HERALD_BIN)")
    return path


def required_env(name, tests):
    """A value ctest passes to the test (`tests`: its ctest name prefix); a
    clear failure instead of a confusing one when the test runs another way."""
    value = os.environ.get(name, "")
    if not value:
        raise AssertionError(f"{name} is not set (run through ctest -R {tests})")
    return value


def run_checked(cmd, cwd=None, timeout=300, env=None):
    """Runs a command; its stdout, or an AssertionError with both outputs."""
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p.stdout


def plugins_dir():
    path = os.environ.get("HERALD_PLUGINS_DIR")
    if path:
        return path
    return os.path.normpath(os.path.join(os.path.dirname(herald_bin()), "..", "lib", "herald", "plugins"))


def generic_so():
    path = os.path.join(plugins_dir(), "generic.so")
    if not os.path.isfile(path):
        raise AssertionError(f"generic plugin not found at {path} (set HERALD_PLUGINS_DIR)")
    return path


# Every polling deadline is multiplied by HERALD_TEST_SLOWDOWN (default 1):
# `make test-asan` sets it, since a sanitized herald on a busy machine starts
# and answers several times slower. Deadlines only bound waits for a
# condition; nothing asserts that something was fast.
SLOWDOWN = float(os.environ.get("HERALD_TEST_SLOWDOWN", "1") or "1")


def wait_until(predicate, timeout=10.0, interval=0.05, message="condition"):
    """Polls predicate until it returns a truthy value, which is returned.
    Raises AssertionError after timeout (x SLOWDOWN) seconds."""
    timeout *= SLOWDOWN
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def compact_json(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------
# Manifests


def _q(value):
    """A YAML scalar: JSON strings are valid YAML double-quoted scalars."""
    return json.dumps(value)


def provider(name, type_="generic", address=None, namespace="flux-system", secret=None,
             cert_secret=None, proxy=None, timeout=None, suspend=None, extra="", annotations=None):
    lines = [
        "apiVersion: notification.toolkit.fluxcd.io/v1beta3",
        "kind: Provider",
        "metadata:",
        f"  name: {_q(name)}",
        f"  namespace: {_q(namespace)}",
    ]
    if annotations:
        lines.append("  annotations:")
        lines += [f"    {_q(k)}: {_q(v)}" for k, v in annotations.items()]
    lines += [
        "spec:",
        f"  type: {_q(type_)}",
    ]
    if address is not None:
        lines.append(f"  address: {_q(address)}")
    if secret is not None:
        lines += ["  secretRef:", f"    name: {_q(secret)}"]
    if cert_secret is not None:
        lines += ["  certSecretRef:", f"    name: {_q(cert_secret)}"]
    if proxy is not None:
        lines.append(f"  proxy: {_q(proxy)}")
    if timeout is not None:
        lines.append(f"  timeout: {_q(timeout)}")
    if suspend is not None:
        lines.append(f"  suspend: {'true' if suspend else 'false'}")
    text = "\n".join(lines) + "\n"
    return text + extra


def alert(name, providers_name, sources=(("Kustomization", "*"),), namespace="flux-system",
          severity=None, exclusion=None, inclusion=None, event_metadata=None, summary=None,
          suspend=None):
    lines = [
        "apiVersion: notification.toolkit.fluxcd.io/v1beta3",
        "kind: Alert",
        "metadata:",
        f"  name: {_q(name)}",
        f"  namespace: {_q(namespace)}",
        "spec:",
        "  providerRef:",
        f"    name: {_q(providers_name)}",
    ]
    if severity is not None:
        lines.append(f"  eventSeverity: {_q(severity)}")
    lines.append("  eventSources:")
    for source in sources:
        kind, sname = source[0], source[1]
        lines.append(f"    - kind: {_q(kind)}")
        lines.append(f"      name: {_q(sname)}")
        if len(source) > 2:
            lines.append(f"      namespace: {_q(source[2])}")
    for key, values in (("exclusionList", exclusion), ("inclusionList", inclusion)):
        if values:
            lines.append(f"  {key}:")
            lines += [f"    - {_q(v)}" for v in values]
    if event_metadata:
        lines.append("  eventMetadata:")
        lines += [f"    {_q(k)}: {_q(v)}" for k, v in event_metadata.items()]
    if summary is not None:
        lines.append(f"  summary: {_q(summary)}")
    if suspend is not None:
        lines.append(f"  suspend: {'true' if suspend else 'false'}")
    return "\n".join(lines) + "\n"


def secret(name, data, namespace="flux-system", base64_data=True):
    """A Kubernetes Secret manifest; data values are str (encoded here)."""
    import base64
    lines = [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        f"  name: {_q(name)}",
        f"  namespace: {_q(namespace)}",
        "type: Opaque",
    ]
    if base64_data:
        lines.append("data:")
        for k, v in data.items():
            enc = base64.b64encode(v.encode()).decode()
            lines.append(f"  {_q(k)}: {_q(enc)}")
    else:
        lines.append("stringData:")
        for k, v in data.items():
            lines.append(f"  {_q(k)}: {_q(v)}")
    return "\n".join(lines) + "\n"


def documents(*docs):
    return "---\n".join(docs)


def event(kind="Kustomization", name="apps", namespace="flux-system", severity="info",
          message="Reconciliation finished", reason="ReconciliationSucceeded", metadata=None,
          api_version="kustomize.toolkit.fluxcd.io/v1", controller="kustomize-controller",
          timestamp="2024-05-01T10:00:00Z", instance="kustomize-controller-7c7b47f5f-8bhrp",
          uid=None):
    involved = {"kind": kind, "namespace": namespace, "name": name}
    if uid:
        involved["uid"] = uid
    if api_version:
        involved["apiVersion"] = api_version
    ev = {
        "involvedObject": involved,
        "severity": severity,
        "timestamp": timestamp,
        "message": message,
        "reason": reason,
        "reportingController": controller,
    }
    if metadata is not None:
        ev["metadata"] = metadata
    if instance:
        ev["reportingInstance"] = instance
    return ev


# --------------------------------------------------------------------------
# herald


class Herald:
    """One herald serve process over its own config, secrets and state dirs.

    manifests: {"file.yaml": "yaml text"} written into the config dir.
    secrets:   {("ns", "name"): {"key": "value"}} written as DIR/ns/name/key.
    ports:     (intake, admin) to listen on instead of ephemeral ports; start()
               then waits for /readyz only (for runs whose log hides the
               startup line, e.g. --log-level warning).
    """

    def __init__(self, manifests, secrets=None, args=(), env=None, plugins=None, workdir=None,
                 start=True, use_secrets_dir=None, ports=None):
        self.bin = herald_bin()
        self.plugins = plugins or plugins_dir()
        self.owns_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="herald-it-")
        self.config_dir = os.path.join(self.workdir, "config")
        self.secrets_dir = os.path.join(self.workdir, "secrets")
        self.state_dir = os.path.join(self.workdir, "state")
        os.makedirs(self.config_dir, exist_ok=True)
        os.makedirs(self.secrets_dir, exist_ok=True)
        self.write_manifests(manifests)
        self.write_secrets(secrets or {})
        self.args = list(args)
        self.env = env
        self.proc = None
        self.runs = 0
        self.stderr_path = None
        self.intake_port = None
        self.admin_port = None
        self.ports = ports
        if start:
            self.start()

    # files -------------------------------------------------------------
    def write_manifests(self, manifests):
        for fname, text in manifests.items():
            with open(os.path.join(self.config_dir, fname), "w") as f:
                f.write(text)

    def write_secrets(self, secrets):
        for (ns, name), keys in secrets.items():
            d = os.path.join(self.secrets_dir, ns, name)
            os.makedirs(d, exist_ok=True)
            for key, value in keys.items():
                mode = "wb" if isinstance(value, bytes) else "w"
                with open(os.path.join(d, key), mode) as f:
                    f.write(value)

    # process -----------------------------------------------------------
    def command(self):
        intake, admin = self.ports or (0, 0)
        return [self.bin, "serve", "--config", self.config_dir, "--secrets", self.secrets_dir,
                "--state", self.state_dir, "--plugins", self.plugins,
                "--listen", f"127.0.0.1:{intake}", "--admin", f"127.0.0.1:{admin}"] + self.args

    def start(self, timeout=20):
        """Starts herald (again, on the same dirs) and waits for the startup line."""
        assert self.proc is None or self.proc.poll() is not None, "herald already running"
        self.runs += 1
        self.stderr_path = os.path.join(self.workdir, f"herald-{self.runs}.log")
        env = dict(os.environ)
        for k in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY",
                  "no_proxy", "ALL_PROXY", "all_proxy"):
            env.pop(k, None)
        for k, v in (self.env or {}).items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        self._stderr_file = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=self._stderr_file, stderr=self._stderr_file,
                                     cwd=self.workdir, env=env)

        def started():
            text = self.log()
            m = re.search(r'msg="herald started".*?intake_port=(\d+).*?admin_port=(\d+)', text)
            if m:
                return m
            if self.proc.poll() is not None:
                raise AssertionError(f"herald exited with {self.proc.returncode} before starting:\n{text}")
            return None

        if self.ports:
            self.intake_port, self.admin_port = self.ports

            def ready():
                if self.proc.poll() is not None:
                    raise AssertionError(f"herald exited with {self.proc.returncode}:\n{self.log()}")
                return self._ready()

            wait_until(ready, timeout=timeout, message="herald /readyz")
            return self
        m = wait_until(started, timeout=timeout, message="herald startup line")
        self.intake_port, self.admin_port = int(m.group(1)), int(m.group(2))
        wait_until(lambda: self._ready(), timeout=timeout, message="herald /readyz")
        return self

    def _ready(self):
        try:
            status, _, _ = self.get_admin("/readyz")
            return status == 200
        except OSError:
            return False

    def kill(self, sig=signal.SIGKILL):
        self.proc.send_signal(sig)

    def wait(self, timeout=30):
        rc = self.proc.wait(timeout=timeout)
        self._stderr_file.close()
        return rc

    def stop(self):
        """SIGTERM and wait; kill -9 when it does not stop. Returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.wait(timeout=10)

    def close(self):
        self.stop()
        if self.owns_workdir and not os.environ.get("HERALD_IT_KEEP"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def log(self, run=None):
        """stderr of the current run (or of run number `run`)."""
        path = self.stderr_path if run is None else os.path.join(self.workdir, f"herald-{run}.log")
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def all_logs(self):
        return "".join(self.log(i) for i in range(1, self.runs + 1))

    # HTTP --------------------------------------------------------------
    def post_event(self, body, path="/", method="POST", headers=None, timeout=30):
        """Sends an event (dict -> compact JSON, str or bytes as is) to the intake."""
        if isinstance(body, (dict, list)):
            body = compact_json(body)
        if isinstance(body, str):
            body = body.encode()
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        return request("127.0.0.1", self.intake_port, method, path, body, hdrs, timeout)

    def get_admin(self, path, method="GET", body=None):
        return request("127.0.0.1", self.admin_port, method, path, body, {}, 30)

    def post_admin(self, path):
        return self.get_admin(path, method="POST", body=b"")

    def admin_json(self, path, method="GET"):
        status, _, body = self.get_admin(path, method=method, body=b"" if method == "POST" else None)
        if status != 200:
            raise AssertionError(f"{method} {path} -> {status}: {body!r}")
        return json.loads(body)

    def deliveries(self, state=None, provider=None):
        query = {}
        if state:
            query["state"] = state
        if provider:
            query["provider"] = provider
        path = "/api/v1/deliveries"
        if query:
            path += "?" + urllib.parse.urlencode(query)
        return self.admin_json(path)["items"]

    def wait_delivery(self, state, provider=None, count=1, timeout=20):
        """Waits until at least `count` deliveries are in `state`; returns them."""
        return wait_until(lambda: (lambda items: items if len(items) >= count else None)(
            self.deliveries(state=state, provider=provider)),
            timeout=timeout, message=f"{count} {state} deliveries for {provider or 'any provider'}")

    def metrics(self):
        status, _, body = self.get_admin("/metrics")
        assert status == 200, status
        return parse_metrics(body.decode())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def request(host, port, method, path, body, headers, timeout=30):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        try:
            conn.request(method, path, body=body, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            # The server may answer (e.g. 413) and close before reading the
            # whole body; its answer can still be read.
            pass
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.getheaders(), data
    finally:
        conn.close()


def header(headers, name):
    """First value of a header in a list of (name, value) pairs, case-insensitive."""
    for k, v in headers:
        if k.lower() == name.lower():
            return v
    return None


_METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text -> {(name, frozenset(labels.items())): float}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _METRIC_LINE.match(line)
        if not m:
            raise AssertionError(f"unparseable metrics line: {line!r}")
        labels = frozenset(_LABEL.findall(m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def metric(metrics, name, /, **labels):
    return metrics.get((name, frozenset(labels.items())))


def run_herald(args, timeout=60, env=None):
    """Runs a herald subcommand to completion: (exit code, stdout, stderr)."""
    e = dict(os.environ)
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    p = subprocess.run([herald_bin()] + list(args), capture_output=True, timeout=timeout, env=e)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


# --------------------------------------------------------------------------
# Sink


class Recorded:
    """One request the sink received."""

    def __init__(self, method, target, version, headers, body, at, status):
        self.method = method
        self.target = target          # path + query as sent
        self.version = version
        self.headers = headers        # [(name, value)] in order received
        self.body = body              # raw bytes
        self.at = at                  # time.monotonic() when the request was complete
        self.status = status          # status answered

    def header(self, name):
        return header(self.headers, name)

    def __repr__(self):
        return f"<{self.method} {self.target} -> {self.status} at {self.at:.3f}>"


class Response:
    """hold: a threading.Event the answer waits for (at most 120 s), for a
    receiver that accepts and does not answer until the test lets it."""

    def __init__(self, status=200, headers=None, body=b"", delay=0.0, hold=None):
        self.status = status
        self.headers = headers or {}
        self.body = body if isinstance(body, bytes) else body.encode()
        self.delay = delay
        self.hold = hold


class _SinkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self):
        body = self._read_body()
        sink = self.server.sink
        resp = sink._next_response(self.command, self.path, body)
        rec = Recorded(self.command, self.path, self.request_version, list(self.headers.items()),
                       body, time.monotonic(), resp.status)
        sink._record(rec)
        sink._enter()
        try:
            if resp.delay:
                time.sleep(resp.delay)
            if resp.hold is not None:
                resp.hold.wait(120)
        finally:
            sink._leave()
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if resp.body and self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class _QuietErrors:
    """Peers that hang up (herald killed with -9, refused TLS handshakes) are
    expected here; other errors are still printed."""

    def handle_error(self, request, client_address):
        import sys
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _SinkServer(_QuietErrors, ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Sink:
    """A threaded HTTP(S) server on 127.0.0.1 that records every request.

    responses: statuses (ints) or Response objects answered in order; after
    they run out, `default` is answered. listen=False binds the port but does
    not listen (connections are refused) until go_live(). responder, when
    given, is called first as responder(method, target, body) and may return
    a Response (or status) to answer instead. in_flight / max_in_flight count
    requests recorded but not yet answered.
    """

    def __init__(self, responses=(), default=200, tls=None, listen=True, port=0, idle_timeout=None,
                 responder=None, host="127.0.0.1"):
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.requests = []
        self.responder = responder
        self.in_flight = 0
        self.max_in_flight = 0
        self._responses = [r if isinstance(r, Response) else Response(r) for r in responses]
        self.default = default if isinstance(default, Response) else Response(default)
        handler = _SinkHandler
        if idle_timeout is not None:
            # closes a keep-alive connection idle for idle_timeout seconds
            handler = type("_IdleSinkHandler", (_SinkHandler,), {"timeout": idle_timeout})
        self.host = host  # any 127.0.0.0/8 address works on Linux
        self.server = _SinkServer((host, port), handler, bind_and_activate=False)
        self.server.sink = self
        self.server.server_bind()
        if tls is not None:
            self.server.socket = tls.server_context().wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.scheme = "https" if tls else "http"
        self.thread = None
        if listen:
            self.go_live()

    def go_live(self):
        self.server.server_activate()
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def set_responses(self, responses, default=None):
        with self.lock:
            self._responses = [r if isinstance(r, Response) else Response(r) for r in responses]
            if default is not None:
                self.default = default if isinstance(default, Response) else Response(default)

    def _next_response(self, method=None, target=None, body=None):
        if self.responder is not None:
            r = self.responder(method, target, body)
            if r is not None:
                return r if isinstance(r, Response) else Response(r)
        with self.lock:
            if self._responses:
                return self._responses.pop(0)
            return self.default

    def _enter(self):
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self):
        with self.lock:
            self.in_flight -= 1

    def _record(self, rec):
        with self.cond:
            self.requests.append(rec)
            self.cond.notify_all()

    def received(self):
        with self.lock:
            return list(self.requests)

    def wait_for(self, count=1, timeout=15):
        """Waits until at least `count` requests were recorded; returns them all."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"sink got {len(self.requests)} request(s), expected {count} within {timeout}s")
                self.cond.wait(left)
            return list(self.requests)

    def close(self):
        if self.thread:
            self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# Proxy


class _ProxyHandler(socketserver.BaseRequestHandler):
    """Forwards absolute-form http requests (one upstream connection per
    request) and tunnels CONNECT."""

    def handle(self):
        client = self.request
        client.settimeout(30)
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = client.recv(65536)
                    if not data:
                        return
                    buf += data
                head, buf = buf.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, target, version = lines[0].split(" ", 2)
                headers = [tuple(p.strip() for p in l.split(":", 1)) for l in lines[1:] if ":" in l]
                self.server.proxy._record(method, target, headers)
                if method == "CONNECT":
                    self._tunnel(client, target, buf)
                    return
                length = int(header(headers, "Content-Length") or 0)
                while len(buf) < length:
                    data = client.recv(65536)
                    if not data:
                        return
                    buf += data
                body, buf = buf[:length], buf[length:]
                if not self._forward(client, method, target, version, headers, body):
                    return
        except (OSError, ValueError):
            return

    def _forward(self, client, method, target, version, headers, body):
        url = urllib.parse.urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return False
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        kept = [(k, v) for k, v in headers
                if k.lower() not in ("proxy-connection", "proxy-authorization", "connection")]
        out = f"{method} {path} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in kept)
        out += "Connection: close\r\n\r\n"
        try:
            upstream = socket.create_connection((self.server.proxy.resolve(url.hostname), url.port or 80),
                                                timeout=30)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return True
        with upstream:
            upstream.sendall(out.encode("latin-1") + body)
            response = b""
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                response += data
        client.sendall(response)
        return True

    def _tunnel(self, client, target, pending):
        host, _, port = target.rpartition(":")
        try:
            upstream = socket.create_connection((self.server.proxy.resolve(host.strip("[]")), int(port)),
                                                timeout=30)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        with upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if pending:
                upstream.sendall(pending)
            socks = [client, upstream]
            while True:
                readable, _, _ = select.select(socks, [], [], 30)
                if not readable:
                    return
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        return
                    (upstream if s is client else client).sendall(data)


class _ProxyServer(_QuietErrors, socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Proxy:
    """A forwarding HTTP proxy on 127.0.0.1 that records (method, target, headers).

    hosts maps names only this proxy can resolve to addresses, so a request
    for such a name can only have reached its server through the proxy."""

    def __init__(self, hosts=None):
        self.hosts = dict(hosts or {})
        self.lock = threading.Lock()
        self.seen = []
        self.server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        self.server.proxy = self
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def resolve(self, host):
        return self.hosts.get(host.lower(), host)

    def _record(self, method, target, headers):
        with self.lock:
            self.seen.append((method, target, headers))

    def received(self):
        with self.lock:
            return list(self.seen)

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------
# TLS


# A name no resolver knows; only the test Proxy maps it (to 127.0.0.1). Used
# where a loopback address would bypass an environment proxy (as in Go).
PROXY_ONLY_NAME = "sink.herald-it.invalid"


class TLSFiles:
    """A CA and a server certificate for 127.0.0.1/localhost (and
    PROXY_ONLY_NAME, for tunnels) made with the openssl CLI."""

    def __init__(self, directory=None):
        if shutil.which("openssl") is None:
            raise unittest.SkipTest("openssl CLI not found")
        self.dir = directory or tempfile.mkdtemp(prefix="herald-it-tls-")
        d = self.dir
        self.ca_key = os.path.join(d, "ca.key")
        self.ca_crt = os.path.join(d, "ca.crt")
        self.key = os.path.join(d, "server.key")
        self.crt = os.path.join(d, "server.crt")
        ext = os.path.join(d, "server.ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:{PROXY_ONLY_NAME}\n"
                    "basicConstraints=CA:FALSE\n"
                    "keyUsage=digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n")

        def run(*args):
            subprocess.run(["openssl"] + list(args), check=True, capture_output=True, timeout=60)

        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.ca_key, "-out", self.ca_crt,
            "-days", "2", "-subj", "/CN=herald integration test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        csr = os.path.join(d, "server.csr")
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", self.key, "-out", csr, "-subj", "/CN=127.0.0.1")
        run("x509", "-req", "-in", csr, "-CA", self.ca_crt, "-CAkey", self.ca_key, "-CAcreateserial",
            "-out", self.crt, "-days", "2", "-extfile", ext)

    def ca_pem(self):
        with open(self.ca_crt) as f:
            return f.read()

    def server_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.crt, self.key)
        return ctx

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)
