"""The admin listener: /healthz, /readyz, /metrics values after known traffic,
and the deliveries API."""

import json
import unittest

from harness import Herald, Sink, alert, documents, event, header, metric, provider


class AdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ok = Sink(default=204)
        cls.broken = Sink(default=404)
        cls.herald = Herald({"c.yaml": documents(
            provider("ok", address=cls.ok.url("/ok")),
            provider("broken", address=cls.broken.url("/broken"), namespace="team-b"),
            alert("to-ok", "ok"),
            alert("to-broken", "broken", namespace="team-b", sources=(("Kustomization", "*", "flux-system"),)),
        )})
        h = cls.herald
        # known traffic: 3 accepted events (each to both Providers), 1 duplicate, 2 bad bodies
        for i in range(3):
            assert h.post_event(event(message=f"admin event {i}"))[0] == 202
        assert h.post_event(event(message="admin event 0"))[0] == 429
        assert h.post_event(b"garbage")[0] == 400
        assert h.post_event(b"[]")[0] == 400
        h.wait_delivery("done", provider="flux-system/ok", count=3)
        h.wait_delivery("dead", provider="team-b/broken", count=3)

    @classmethod
    def tearDownClass(cls):
        cls.herald.close()
        cls.ok.close()
        cls.broken.close()

    def test_healthz_answers_200(self):
        status, _, body = self.herald.get_admin("/healthz")
        self.assertEqual(status, 200)
        self.assertTrue(body)

    def test_readyz_answers_200_with_json_saying_ready(self):
        status, headers, body = self.herald.get_admin("/readyz")
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertIs(doc["ready"], True)
        self.assertIn("json", header(headers, "Content-Type") or "")

    def test_metrics_count_the_traffic(self):
        m = self.herald.metrics()
        self.assertEqual(metric(m, "herald_events_received_total", code="202"), 3)
        self.assertEqual(metric(m, "herald_events_received_total", code="429"), 1)
        self.assertEqual(metric(m, "herald_events_received_total", code="400"), 2)
        self.assertEqual(metric(m, "herald_events_received_total", code="413"), 0)
        ok = dict(namespace="flux-system", name="ok", type="generic")
        broken = dict(namespace="team-b", name="broken", type="generic")
        attempts = {(dict(l)["namespace"], dict(l)["name"], dict(l)["result"]): v
                    for (n, l), v in m.items() if n == "herald_delivery_attempts_total" and v}
        self.assertEqual(sum(v for k, v in attempts.items() if k[:2] == ("flux-system", "ok")), 3, attempts)
        self.assertEqual(sum(v for k, v in attempts.items() if k[:2] == ("team-b", "broken")), 3, attempts)
        self.assertEqual(metric(m, "herald_delivery_attempts_total", result="delivered", **ok), 3)
        self.assertEqual(metric(m, "herald_delivery_attempts_total", result="failed", **broken), 3)
        self.assertEqual(metric(m, "herald_dead_letters_total", namespace="team-b", name="broken"), 3)
        self.assertFalse(metric(m, "herald_delivery_attempts_total", result="retry", **ok))
        self.assertFalse(metric(m, "herald_delivery_attempts_total", result="retry", **broken))
        self.assertEqual(metric(m, "herald_deliveries_pending"), 0)
        self.assertEqual(metric(m, "herald_dead_letters"), 3)

    def test_store_metrics_count_the_writer_s_work(self):
        m = self.herald.metrics()
        # 3 events committed; the duplicate and the bad bodies never reach the store.
        self.assertEqual(metric(m, "herald_store_events_committed_total"), 3)
        # at least one transaction per event (each POST waits for its commit, and
        # they were sent one after another) plus the outcome updates
        self.assertGreaterEqual(metric(m, "herald_store_transactions_total"), 3)
        self.assertEqual(metric(m, "herald_store_failed_transactions_total"), 0)
        self.assertEqual(metric(m, "herald_store_dropped_updates_total"), 0)
        self.assertIsNotNone(metric(m, "herald_store_queue"))

    def test_metrics_is_prometheus_text(self):
        status, headers, body = self.herald.get_admin("/metrics")
        self.assertEqual(status, 200)
        self.assertIn("text/plain", header(headers, "Content-Type") or "")
        text = body.decode()
        self.assertIn("# TYPE herald_events_received_total counter", text)
        self.assertIn("# TYPE herald_deliveries_pending gauge", text)
        self.assertIn("# TYPE herald_store_transactions_total counter", text)
        self.assertIn("# TYPE herald_store_queue gauge", text)

    def test_deliveries_filter_by_state_and_provider(self):
        h = self.herald
        done = h.deliveries(state="done")
        dead = h.deliveries(state="dead")
        self.assertEqual(len(done), 3)
        self.assertEqual(len(dead), 3)
        self.assertEqual({d["provider"] for d in done}, {"flux-system/ok"})
        self.assertEqual({d["alert"] for d in dead}, {"team-b/to-broken"})
        self.assertEqual(len(h.deliveries(provider="team-b/broken")), 3)
        self.assertEqual(h.deliveries(state="pending"), [])
        for d in dead:
            self.assertEqual(d["state"], "dead")
            self.assertEqual(d["attempts"], 1)
            self.assertIn("404", d["lastError"])
            one = h.admin_json(f"/api/v1/deliveries/{d['id']}")
            self.assertEqual((one["id"], one["state"], one["provider"]), (d["id"], "dead", "team-b/broken"))

    def test_unknown_delivery_is_404_and_replay_needs_post(self):
        h = self.herald
        status, _, _ = h.get_admin("/api/v1/deliveries/999999")
        self.assertEqual(status, 404)
        some = h.deliveries(state="dead")[0]
        status, _, _ = h.get_admin(f"/api/v1/deliveries/{some['id']}/replay")
        self.assertEqual(status, 405)
        status, _, _ = h.post_admin("/api/v1/deliveries/999999/replay")
        self.assertEqual(status, 404)

    def test_an_unknown_admin_path_is_404(self):
        self.assertEqual(self.herald.get_admin("/nope")[0], 404)


if __name__ == "__main__":
    unittest.main()
