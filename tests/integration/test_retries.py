"""Retries, back-off, Retry-After, dead letters and replays through the admin
API. Times come from the sink's own clock (when each request arrived); only
lower bounds are asserted, so a slow machine cannot make them fail."""

import json
import unittest

from harness import Herald, Response, Sink, alert, documents, event, metric, provider, wait_until


class RetryTest(unittest.TestCase):
    def start(self, sink, path="/retry", args=(), name="hook", extra_providers=()):
        h = Herald({"c.yaml": documents(provider(name, address=sink.url(path)), alert("all", name),
                                        *extra_providers)},
                   args=list(args))
        self.addCleanup(h.close)
        return h

    def sink(self, responses=(), default=200):
        s = Sink(responses=responses, default=default)
        self.addCleanup(s.close)
        return s

    def test_503_twice_then_204_is_delivered_once_after_three_attempts(self):
        sink = self.sink([503, 503], default=204)
        h = self.start(sink)
        self.assertEqual(h.post_event(event(message="flaky receiver"))[0], 202)
        done = h.wait_delivery("done", timeout=30)
        self.assertEqual(done[0]["attempts"], 3)
        recs = sink.received()
        self.assertEqual([r.status for r in recs], [503, 503, 204])
        self.assertEqual(len({r.body for r in recs}), 1, "every attempt sends the same body")
        # exponential back-off starting near 1 s (jitter +-20%)
        self.assertGreaterEqual(recs[1].at - recs[0].at, 0.75)
        self.assertGreaterEqual(recs[2].at - recs[1].at, 1.5)
        item = h.admin_json(f"/api/v1/deliveries/{done[0]['id']}")
        self.assertEqual(item["state"], "done")
        self.assertEqual(item["attempts"], 3)
        self.assertEqual(item["provider"], "flux-system/hook")
        self.assertEqual(item["alert"], "flux-system/all")
        m = h.metrics()
        labels = dict(namespace="flux-system", name="hook", type="generic")
        self.assertEqual(metric(m, "herald_delivery_attempts_total", result="retry", **labels), 2)
        self.assertEqual(metric(m, "herald_delivery_attempts_total", result="delivered", **labels), 1)
        self.assertEqual(sum(v for (n, l), v in m.items()
                             if n == "herald_delivery_attempts_total" and dict(l).get("name") == "hook"), 3)
        self.assertEqual(metric(m, "herald_deliveries_pending"), 0)

    def test_404_is_a_dead_letter_at_once_and_replay_delivers_it(self):
        sink = self.sink([404], default=200)
        h = self.start(sink)
        self.assertEqual(h.post_event(event(message="wrong path"))[0], 202)
        dead = h.wait_delivery("dead")
        self.assertEqual(dead[0]["attempts"], 1)
        self.assertIn("404", dead[0]["lastError"])
        self.assertEqual(len(sink.received()), 1)
        wait_until(lambda: metric(h.metrics(), "herald_dead_letters") == 1, message="dead letter gauge")

        status, _, body = h.post_admin(f"/api/v1/deliveries/{dead[0]['id']}/replay")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["replayed"], 1)
        done = h.wait_delivery("done")
        self.assertEqual(done[0]["id"], dead[0]["id"])
        recs = sink.wait_for(2)
        self.assertEqual([r.status for r in recs], [404, 200])
        self.assertEqual(recs[0].body, recs[1].body)
        self.assertEqual(h.deliveries(state="dead"), [])
        wait_until(lambda: metric(h.metrics(), "herald_dead_letters") == 0, message="dead letter gauge at 0")

    def test_501_is_not_retried(self):
        sink = self.sink([501], default=200)
        h = self.start(sink)
        self.assertEqual(h.post_event(event(message="not implemented"))[0], 202)
        dead = h.wait_delivery("dead")
        self.assertEqual(dead[0]["attempts"], 1)
        self.assertIn("501", dead[0]["lastError"])
        self.assertEqual(len(sink.received()), 1)

    def test_provider_replay_requeues_all_its_dead_letters(self):
        sink = self.sink([400, 410], default=200)
        h = self.start(sink)
        for text in ("dead one", "dead two"):
            self.assertEqual(h.post_event(event(message=text))[0], 202)
        dead = h.wait_delivery("dead", provider="flux-system/hook", count=2)
        self.assertEqual(len(dead), 2)
        status, _, body = h.post_admin("/api/v1/providers/flux-system/hook/replay")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["replayed"], 2)
        h.wait_delivery("done", count=2)
        got = [json.loads(r.body)["message"] for r in sink.received() if r.status == 200]
        self.assertCountEqual(got, ["dead one", "dead two"])

    def test_retry_after_seconds_is_honoured(self):
        sink = self.sink([Response(429, {"Retry-After": "2"}), Response(503, {"Retry-After": "2"})], default=200)
        h = self.start(sink)
        self.assertEqual(h.post_event(event(message="slow down"))[0], 202)
        done = h.wait_delivery("done", timeout=30)
        self.assertEqual(done[0]["attempts"], 3)
        recs = sink.received()
        self.assertEqual([r.status for r in recs], [429, 503, 200])
        self.assertGreaterEqual(recs[1].at - recs[0].at, 1.9)
        self.assertGreaterEqual(recs[2].at - recs[1].at, 1.9)

    def test_a_retry_budget_that_runs_out_makes_a_dead_letter(self):
        sink = self.sink(default=503)
        h = self.start(sink, args=["--retry-for", "3s"])
        self.assertEqual(h.post_event(event(message="always unavailable"))[0], 202)
        dead = h.wait_delivery("dead", timeout=30)
        self.assertGreaterEqual(dead[0]["attempts"], 2)
        self.assertIn("503", dead[0]["lastError"])
        self.assertEqual(len(sink.received()), dead[0]["attempts"])

    def test_a_connection_refused_is_retried_until_the_receiver_is_up(self):
        sink = Sink(listen=False, default=200)
        self.addCleanup(sink.close)
        h = self.start(sink)
        self.assertEqual(h.post_event(event(message="receiver starts late"))[0], 202)
        pending = wait_until(lambda: [d for d in h.deliveries(state="pending") if d.get("lastError")],
                             message="a refused attempt")
        self.assertRegex(pending[0]["lastError"].lower(), r"refused|connect")
        sink.go_live()
        done = h.wait_delivery("done", timeout=30)
        self.assertGreaterEqual(done[0]["attempts"], 2)
        self.assertEqual(len(sink.received()), 1)

    def test_a_receiver_closing_idle_keep_alive_connections_costs_no_retry(self):
        import time
        sink = Sink(default=200, idle_timeout=0.3)
        self.addCleanup(sink.close)
        h = self.start(sink)
        for i in range(3):
            self.assertEqual(h.post_event(event(message=f"keep-alive {i}"))[0], 202)
            h.wait_delivery("done", count=i + 1)
            time.sleep(0.8)  # lets the sink close the idle connection (not an assertion)
        self.assertEqual([d["attempts"] for d in h.deliveries()], [1, 1, 1])
        self.assertEqual(len(sink.received()), 3)

    def test_the_provider_timeout_ends_a_slow_attempt(self):
        # without the 1s timeout the first attempt would succeed after 10 s
        sink = self.sink([Response(200, delay=10)], default=200)
        h = Herald({"c.yaml": documents(provider("slow", address=sink.url("/slow"), timeout="1s"),
                                        alert("all", "slow"))})
        self.addCleanup(h.close)
        self.assertEqual(h.post_event(event(message="slow receiver"))[0], 202)
        done = h.wait_delivery("done", timeout=30)
        self.assertEqual(done[0]["attempts"], 2)
        self.assertEqual(len(sink.wait_for(2)), 2)


if __name__ == "__main__":
    unittest.main()
