"""Outgoing requests through an HTTP proxy: spec.proxy, the secret's proxy key,
and HTTP_PROXY / NO_PROXY from herald's environment.

The sink is addressed by a name only the test proxy resolves
(sink.herald-it.invalid), so a delivery can only arrive through the proxy."""

import unittest

from harness import (PROXY_ONLY_NAME, Herald, Proxy, Sink, alert, documents, event, header, provider, secret,
                     wait_until)

NAME = PROXY_ONLY_NAME
EXCLUDED = "excluded.herald-it.invalid"


class ProxyTest(unittest.TestCase):
    def setUp(self):
        self.sink = Sink(default=200)
        self.addCleanup(self.sink.close)
        self.proxy = Proxy(hosts={NAME: "127.0.0.1", EXCLUDED: "127.0.0.1"})
        self.addCleanup(self.proxy.close)
        self.address = f"http://{NAME}:{self.sink.port}/via-proxy?q=1"

    def start(self, manifests, **kw):
        h = Herald(manifests, **kw)
        self.addCleanup(h.close)
        return h

    def assert_delivered_through_proxy(self, h, message):
        rec = self.sink.wait_for(1)[0]
        self.assertIn(message.encode(), rec.body)
        self.assertEqual(rec.target, "/via-proxy?q=1")
        self.assertEqual(rec.header("Host"), f"{NAME}:{self.sink.port}")
        seen = self.proxy.received()
        self.assertTrue(seen, "the proxy saw no request")
        method, target, headers = seen[0]
        self.assertEqual((method, target), ("POST", self.address))
        self.assertEqual(header(headers, "Gotk-Component"), "kustomize-controller")
        h.wait_delivery("done")

    def test_spec_proxy_carries_the_request(self):
        h = self.start({"c.yaml": documents(
            provider("hook", address=self.address, proxy=self.proxy.url), alert("all", "hook"))})
        self.assertEqual(h.post_event(event(message="via spec.proxy"))[0], 202)
        self.assert_delivered_through_proxy(h, "via spec.proxy")

    def test_secret_proxy_key_overrides_spec_proxy(self):
        h = self.start({"c.yaml": documents(
            provider("hook", address=self.address, proxy="http://127.0.0.1:9", secret="hook-proxy"),
            secret("hook-proxy", {"proxy": self.proxy.url}),
            alert("all", "hook"))})
        self.assertEqual(h.post_event(event(message="via secret proxy"))[0], 202)
        self.assert_delivered_through_proxy(h, "via secret proxy")

    def test_http_proxy_from_the_environment_carries_the_request(self):
        h = self.start({"c.yaml": documents(provider("hook", address=self.address), alert("all", "hook"))},
                       env={"HTTP_PROXY": self.proxy.url})
        self.assertEqual(h.post_event(event(message="via HTTP_PROXY"))[0], 202)
        self.assert_delivered_through_proxy(h, "via HTTP_PROXY")

    def test_no_proxy_sends_matching_hosts_directly(self):
        excluded = f"http://{EXCLUDED}:{self.sink.port}/excluded"
        h = self.start({"c.yaml": documents(
            provider("hook", address=self.address), provider("excluded", address=excluded),
            alert("all", "hook"), alert("to-excluded", "excluded"))},
            env={"HTTP_PROXY": self.proxy.url, "NO_PROXY": f"example.org, {EXCLUDED}"})
        self.assertEqual(h.post_event(event(message="no proxy"))[0], 202)
        self.assert_delivered_through_proxy(h, "no proxy")
        # the excluded host is looked up directly, which fails: no resolver knows it
        failed = wait_until(lambda: [d for d in h.deliveries(provider="flux-system/excluded") if d.get("lastError")],
                            message="a direct attempt to the excluded host")
        self.assertNotEqual(failed[0]["state"], "done")
        self.assertEqual([t for _, t, _ in self.proxy.received()], [self.address])
        self.assertEqual([r.target for r in self.sink.received()], ["/via-proxy?q=1"])

    def test_loopback_addresses_bypass_the_environment_proxy_as_in_go(self):
        h = self.start({"c.yaml": documents(provider("hook", address=self.sink.url("/direct")),
                                            alert("all", "hook"))},
                       env={"HTTP_PROXY": self.proxy.url})
        self.assertEqual(h.post_event(event(message="direct"))[0], 202)
        self.assertEqual(self.sink.wait_for(1)[0].target, "/direct")
        h.wait_delivery("done")
        self.assertEqual(self.proxy.received(), [])

    def test_an_unreachable_proxy_is_a_transport_error_that_is_retried(self):
        h = self.start({"c.yaml": documents(provider("hook", address=self.address, proxy="http://127.0.0.1:9"),
                                            alert("all", "hook"))})
        self.assertEqual(h.post_event(event(message="proxy down"))[0], 202)
        items = wait_until(lambda: [d for d in h.deliveries(state="pending") if d.get("lastError")],
                           message="a failed attempt")
        self.assertGreaterEqual(items[0]["attempts"], 1)
        self.assertEqual(self.sink.received(), [])


if __name__ == "__main__":
    unittest.main()
