"""HTTPS delivery: a Provider CA from certSecretRef (ca.crt) replaces the system
roots; without it the test CA is unknown and the delivery fails with a
certificate error; CONNECT through a proxy; secrets stay out of logs, metrics
and the status API."""

import hashlib
import hmac
import unittest

from harness import (PROXY_ONLY_NAME, Herald, Proxy, Sink, TLSFiles, alert, documents, event, provider, secret,
                     wait_until)


class TLSTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tls = TLSFiles()

    @classmethod
    def tearDownClass(cls):
        cls.tls.close()

    def setUp(self):
        self.sink = Sink(default=200, tls=self.tls)
        self.addCleanup(self.sink.close)

    def start(self, manifests, **kw):
        h = Herald(manifests, **kw)
        self.addCleanup(h.close)
        return h

    def test_provider_ca_from_a_secret_manifest_verifies_the_sink(self):
        h = self.start({"c.yaml": documents(
            provider("hook", address=self.sink.url("/tls"), cert_secret="sink-ca"),
            secret("sink-ca", {"ca.crt": self.tls.ca_pem()}),
            alert("all", "hook"))})
        self.assertEqual(h.post_event(event(message="over tls"))[0], 202)
        rec = self.sink.wait_for(1)[0]
        self.assertEqual(rec.target, "/tls")
        self.assertIn(b'"message":"over tls"', rec.body)
        h.wait_delivery("done")

    def test_provider_ca_from_the_mounted_secrets_dir_and_localhost_name(self):
        h = self.start({"c.yaml": documents(
            provider("hook", address=f"https://localhost:{self.sink.port}/by-name", cert_secret="sink-ca"),
            alert("all", "hook"))},
            secrets={("flux-system", "sink-ca"): {"ca.crt": self.tls.ca_pem()}})
        self.assertEqual(h.post_event(event(message="tls by name"))[0], 202)
        self.assertEqual(self.sink.wait_for(1)[0].target, "/by-name")
        h.wait_delivery("done")

    def test_without_the_ca_the_certificate_is_refused_and_the_error_says_so(self):
        h = self.start({"c.yaml": documents(provider("hook", address=self.sink.url("/no-ca")),
                                            alert("all", "hook"))},
                       args=["--retry-for", "3s"])
        self.assertEqual(h.post_event(event(message="unknown ca"))[0], 202)
        dead = h.wait_delivery("dead", timeout=30)
        error = dead[0]["lastError"].lower()
        self.assertRegex(error, r"certificate verif|verify failed|unable to get local issuer|self.signed",
                         dead[0]["lastError"])
        self.assertEqual(self.sink.received(), [])

    def test_a_ca_that_did_not_sign_the_sink_is_refused(self):
        other = TLSFiles()
        self.addCleanup(other.close)
        h = self.start({"c.yaml": documents(
            provider("hook", address=self.sink.url("/wrong-ca"), cert_secret="other-ca"),
            secret("other-ca", {"ca.crt": other.ca_pem()}),
            alert("all", "hook"))},
            args=["--retry-for", "3s"])
        self.assertEqual(h.post_event(event(message="wrong ca"))[0], 202)
        dead = h.wait_delivery("dead", timeout=30)
        self.assertRegex(dead[0]["lastError"].lower(),
                         r"certificate verif|verify failed|unable to get local issuer")
        self.assertEqual(self.sink.received(), [])

    def test_https_through_a_proxy_uses_connect(self):
        proxy = Proxy()
        self.addCleanup(proxy.close)
        h = self.start({"c.yaml": documents(
            provider("hook", address=self.sink.url("/tunnel"), cert_secret="sink-ca", proxy=proxy.url),
            secret("sink-ca", {"ca.crt": self.tls.ca_pem()}),
            alert("all", "hook"))})
        self.assertEqual(h.post_event(event(message="through a tunnel"))[0], 202)
        self.assertEqual(self.sink.wait_for(1)[0].target, "/tunnel")
        seen = proxy.received()
        self.assertEqual([(m, t) for m, t, _ in seen][:1], [("CONNECT", f"127.0.0.1:{self.sink.port}")])
        h.wait_delivery("done")

    def test_https_proxy_from_the_environment_tunnels_https(self):
        # a loopback address would bypass the environment proxy (as in Go)
        proxy = Proxy(hosts={PROXY_ONLY_NAME: "127.0.0.1"})
        self.addCleanup(proxy.close)
        target = f"{PROXY_ONLY_NAME}:{self.sink.port}"
        h = self.start({"c.yaml": documents(
            provider("hook", address=f"https://{target}/env-tunnel", cert_secret="sink-ca"),
            secret("sink-ca", {"ca.crt": self.tls.ca_pem()}),
            alert("all", "hook"))},
            # HTTP_PROXY is for http:// addresses only; it points nowhere
            env={"HTTPS_PROXY": proxy.url, "HTTP_PROXY": "http://127.0.0.1:9"})
        self.assertEqual(h.post_event(event(message="env tunnel"))[0], 202)
        self.assertEqual(self.sink.wait_for(1)[0].target, "/env-tunnel")
        self.assertEqual([(m, t) for m, t, _ in proxy.received()][:1], [("CONNECT", target)])
        h.wait_delivery("done")

    def test_secret_values_never_show_in_logs_metrics_or_the_api(self):
        token = "tls-hmac-token-5e1f0c"
        auth = "Bearer auth-value-77aa"
        addr = self.sink.url("/secret-path-4c2b")
        failing = "https://127.0.0.1:9/secret-failing-path-8d1e"
        h = self.start({"c.yaml": documents(
            provider("signed", type_="generic-hmac", address="https://127.0.0.1:9/decoy",
                     secret="signed", cert_secret="sink-ca"),
            secret("signed", {"token": token, "address": addr, "headers": f"Authorization: {auth}\n"}),
            secret("sink-ca", {"ca.crt": self.tls.ca_pem()}),
            # a Provider whose secret address fails: its error must not show the address
            provider("failing", type_="generic-hmac", address="https://127.0.0.1:9/decoy2", secret="failing"),
            secret("failing", {"token": token, "address": failing}),
            alert("signed", "signed"), alert("failing", "failing"))},
            args=["--log-level", "debug"])
        self.assertEqual(h.post_event(event(message="keep my secrets"))[0], 202)
        rec = self.sink.wait_for(1)[0]
        self.assertEqual(rec.target, "/secret-path-4c2b")
        self.assertEqual(rec.header("X-Signature"),
                         "sha256=" + hmac.new(token.encode(), rec.body, hashlib.sha256).hexdigest())
        h.wait_delivery("done")
        wait_until(lambda: [d for d in h.deliveries(provider="flux-system/failing") if d.get("lastError")],
                   message="a failed attempt of the failing Provider")
        outputs = {
            "log": h.log(),
            "metrics": h.get_admin("/metrics")[2].decode(),
            "api": h.get_admin("/api/v1/deliveries")[2].decode(),
        }
        for d in h.deliveries():
            outputs[f"api/{d['id']}"] = h.get_admin(f"/api/v1/deliveries/{d['id']}")[2].decode()
        for where, text in outputs.items():
            for value in (token, "auth-value-77aa", "secret-path-4c2b", "secret-failing-path-8d1e"):
                self.assertNotIn(value, text, f"{value!r} leaked into {where}")


if __name__ == "__main__":
    unittest.main()
