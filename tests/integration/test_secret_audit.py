"""Secret-leak audit: known canary secret values (token, password, header
values, the path and query of a secret webhook address, proxy credentials)
go through success, failure with a receiver echoing the request back in a
4xx/5xx body, dead letters, replay, render, check (with an error in the same
secret) and send. No canary may appear in the logs (text and json, debug
level), /metrics, /api/v1/*, the command outputs or the store files."""

import glob
import json
import os
import shutil
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import (Herald, Proxy, Sink, alert, free_port, documents, event, provider, run_herald, secret,
                     wait_until, plugins_dir)

TOKEN = "canary-token-9f3a71"
HEADER = "canary-header-4be210"
PATH = "canary-path-c0ffee"
QUERY = "canary-query-77d1e5"
PROXY_USER = "canary-proxy-user-51a9"
PROXY_PASSWORD = "canary-proxy-pass-e8d204"
PASSWORD = "canary-password-3c6f90"
CANARIES = (TOKEN, HEADER, PATH, QUERY, PROXY_USER, PROXY_PASSWORD, PASSWORD)


class _EchoHandler(BaseHTTPRequestHandler):
    """Answers 400 with the whole request (line, headers, body) in its body."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        echo = f"{self.requestline}\n{self.headers}\n".encode() + body
        self.server.received.append((self.path, dict(self.headers.items())))
        self.send_response(400)
        self.send_header("Content-Length", str(len(echo)))
        self.end_headers()
        self.wfile.write(echo)

    do_GET = do_POST = do_PUT = _handle


class EchoSink:
    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
        self.server.daemon_threads = True
        self.server.received = []
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def received(self):
        return list(self.server.received)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def manifests(ok, failing, proxy):
    # Every canary is a secret value of a Provider herald delivers through.
    addr_ok = ok.url(f"/hook/{PATH}?token={QUERY}")
    addr_fail = failing.url(f"/hook/{PATH}?token={QUERY}")
    headers = f"X-Api-Key: {HEADER}\nX-Password: {PASSWORD}\n"
    proxy_url = f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{proxy.port}"
    return {"c.yaml": documents(
        provider("ok", address="http://127.0.0.1:9/decoy", secret="ok"),
        secret("ok", {"address": addr_ok, "headers": headers, "username": "herald-user", "password": PASSWORD}),
        provider("signed", type_="generic-hmac", address="http://127.0.0.1:9/decoy", secret="signed"),
        secret("signed", {"address": addr_ok, "token": TOKEN}),
        provider("failing", address="http://127.0.0.1:9/decoy", secret="failing"),
        secret("failing", {"address": addr_fail, "headers": headers}),
        provider("proxied", address="http://127.0.0.1:9/decoy", secret="proxied"),
        secret("proxied", {"address": addr_ok, "proxy": proxy_url, "headers": headers}),
        alert("ok", "ok"), alert("signed", "signed"), alert("failing", "failing"), alert("proxied", "proxied"))}


class SecretAuditTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ok = Sink()
        cls.failing = EchoSink()  # 400 echoing the request: permanent, dead letter at once
        cls.proxy = Proxy()
        cls.work = tempfile.mkdtemp(prefix="herald-audit-")

    @classmethod
    def tearDownClass(cls):
        cls.ok.close()
        cls.failing.close()
        cls.proxy.close()
        shutil.rmtree(cls.work, ignore_errors=True)

    def assert_clean(self, where, data):
        if isinstance(data, bytes):
            for c in CANARIES:
                self.assertNotIn(c.encode(), data, f"{c!r} leaked into {where}")
        else:
            for c in CANARIES:
                self.assertNotIn(c, data, f"{c!r} leaked into {where}")

    def run_daemon(self, log_args):
        # json logs hide the text startup line: fixed ports, readiness by /readyz
        ports = (free_port(), free_port()) if "json" in log_args else None
        h = Herald(manifests(self.ok, self.failing, self.proxy), args=log_args, ports=ports)
        try:
            self.assertEqual(h.post_event(event(message=f"audit {log_args}"))[0], 202)
            h.wait_delivery("dead", provider="flux-system/failing")
            h.wait_delivery("done", count=3)
            # The receiver really got the secrets (so they were in play) ...
            got = [r for r in self.failing.received() if PATH in r[0]]
            self.assertTrue(got and got[0][1].get("X-Api-Key") == HEADER, got)
            # ... and its echo of them is in the failure text herald keeps.
            dead = h.deliveries(state="dead")
            for d in dead:
                self.assertIn("400", d["lastError"])
            # replay the dead letter: a second failure, same rules
            self.assertEqual(h.post_admin(f"/api/v1/deliveries/{dead[0]['id']}/replay")[0] // 100, 2)
            wait_until(lambda: len(self.failing.received()) >= len(got) + 1, message="replayed attempt")
            h.wait_delivery("dead", provider="flux-system/failing")
            outputs = {"metrics": h.get_admin("/metrics")[2]}
            for path in ("/api/v1/deliveries", "/api/v1/providers", "/api/v1/alerts",
                         "/api/v1/deliveries?state=dead"):
                outputs[path] = h.get_admin(path)[2]
            for d in h.deliveries():
                outputs[f"/api/v1/deliveries/{d['id']}"] = h.get_admin(f"/api/v1/deliveries/{d['id']}")[2]
        finally:
            h.stop()
        outputs["log"] = h.all_logs()
        for name in ("herald.db", "herald.db-wal"):
            path = os.path.join(h.state_dir, name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    outputs[f"store {name}"] = f.read()
        h.close()
        for where, data in outputs.items():
            self.assert_clean(f"{where} ({' '.join(log_args)})", data)

    def test_daemon_with_debug_text_logs(self):
        self.run_daemon(["--log-level", "debug"])

    def test_daemon_with_debug_json_logs(self):
        self.run_daemon(["--log-level", "debug", "--log-format", "json"])

    def write_config(self, name, m):
        d = os.path.join(self.work, name)
        os.makedirs(d, exist_ok=True)
        for fname, text in m.items():
            with open(os.path.join(d, fname), "w") as f:
                f.write(text)
        return d

    def test_render_check_and_send(self):
        config = self.write_config("good", manifests(self.ok, self.failing, self.proxy))
        ev = os.path.join(self.work, "event.json")
        with open(ev, "w") as f:
            json.dump(event(message="render me"), f)
        plugins = ["--plugins", plugins_dir()]
        for args in (["render", "--config", config, "--event", ev] + plugins,
                     ["check", "--config", config] + plugins,
                     ["send", "--config", config, "--event", ev, "--provider", "flux-system/failing"] + plugins,
                     ["send", "--config", config, "--provider", "flux-system/ok"] + plugins,
                     ["send", "--config", config, "--provider", "flux-system/proxied"] + plugins):
            rc, out, err = run_herald(args)
            self.assert_clean(" ".join(args[:1]) + " stdout", out)
            self.assert_clean(" ".join(args[:1]) + " stderr", err)

        # check with an error in the same secret: an address that is not a
        # URL and a headers value that is not a map, both holding canaries.
        bad = self.write_config("bad", {"c.yaml": documents(
            provider("bad", address="http://127.0.0.1:9/decoy", secret="bad"),
            secret("bad", {"address": f"::not a url {PATH} {QUERY}",
                           "headers": f"[{HEADER}, {PASSWORD}]", "token": TOKEN}),
            provider("badproxy", address="http://127.0.0.1:9/decoy", secret="badproxy"),
            secret("badproxy", {"proxy": f"ftp://{PROXY_USER}:{PROXY_PASSWORD}@host:99999"}),
            alert("bad", "bad"), alert("badproxy", "badproxy"))})
        rc, out, err = run_herald(["check", "--config", bad] + plugins)
        self.assertNotEqual(rc, 0, out + err)
        self.assert_clean("check (bad secret) stdout", out)
        self.assert_clean("check (bad secret) stderr", err)


if __name__ == "__main__":
    unittest.main()
