"""Intake status codes of the event server (reference/providers.md §1.4, §1.5)."""

import json
import unittest

from harness import Herald, Sink, alert, documents, event, header, metric, provider, wait_until

MIB3 = 3 * 1024 * 1024


def padded_event(total_size):
    """A valid event whose JSON encoding is exactly total_size bytes."""
    ev = event(message="")
    base = len(json.dumps(ev, separators=(",", ":")).encode())
    ev["message"] = "x" * (total_size - base)
    body = json.dumps(ev, separators=(",", ":")).encode()
    assert len(body) == total_size
    return body


class IntakeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink(default=204)
        cls.herald = Herald({
            "config.yaml": documents(provider("hook", address=cls.sink.url()),
                                     alert("all", "hook")),
        })

    @classmethod
    def tearDownClass(cls):
        cls.herald.close()
        cls.sink.close()

    def post(self, body, **kw):
        return self.herald.post_event(body, **kw)

    def test_a_valid_event_is_accepted_with_202_and_an_empty_body(self):
        status, headers, body = self.post(event(message="accepted once"))
        self.assertEqual(status, 202)
        self.assertEqual(body, b"")
        self.assertEqual(header(headers, "X-RateLimit-Limit"), "1")
        self.assertEqual(header(headers, "X-RateLimit-Remaining"), "0")
        self.assertIsNotNone(header(headers, "X-RateLimit-Reset"))

    def test_a_body_that_is_not_json_is_refused_with_400_and_an_empty_body(self):
        status, _, body = self.post(b"this is not json")
        self.assertEqual(status, 400)
        self.assertEqual(body, b"")

    def test_an_event_no_alert_matches_is_still_202(self):
        ev = event(kind="Bucket", api_version="source.toolkit.fluxcd.io/v1", message="nobody listens")
        self.assertEqual(self.post(ev)[0], 202)

    def test_status_lines_carry_the_standard_reason_phrases(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.herald.intake_port, timeout=30)
        self.addCleanup(conn.close)
        reasons = []
        for body in (event(message="reason phrase"), event(message="reason phrase"), "nope"):
            data = json.dumps(body).encode() if isinstance(body, dict) else body.encode()
            conn.request("POST", "/", body=data)
            resp = conn.getresponse()
            resp.read()
            reasons.append((resp.status, resp.reason))
        self.assertEqual(reasons, [(202, "Accepted"), (429, "Too Many Requests"), (400, "Bad Request")])

    def test_a_json_array_is_refused_with_400(self):
        status, _, _ = self.post(b'[{"message":"x"}]')
        self.assertEqual(status, 400)

    def test_a_number_for_message_is_refused_with_400(self):
        ev = event()
        ev["message"] = 42
        status, _, _ = self.post(ev)
        self.assertEqual(status, 400)

    def test_a_timestamp_that_is_not_rfc3339_is_refused_with_400(self):
        status, _, _ = self.post(event(message="bad time", timestamp="yesterday"))
        self.assertEqual(status, 400)

    def test_a_body_of_3_mib_plus_one_byte_is_refused_with_413(self):
        status, _, _ = self.post(padded_event(MIB3 + 1))
        self.assertEqual(status, 413)

    def test_a_body_of_exactly_3_mib_is_accepted(self):
        body = padded_event(MIB3)
        self.assertEqual(len(body), MIB3)
        status, _, _ = self.post(body)
        self.assertEqual(status, 202)

    def test_a_duplicate_within_the_window_gets_429_with_retry_after(self):
        ev = event(message="Health check passed", metadata={
            "kustomize.toolkit.fluxcd.io/revision": "main@sha1:1111111111111111111111111111111111111111"})
        status, _, _ = self.post(ev)
        self.assertEqual(status, 202)
        # severity, reason and timestamp are not part of the duplicate key
        ev2 = dict(ev, severity="error", reason="Other", timestamp="2024-05-02T00:00:00Z")
        status, headers, body = self.post(ev2)
        self.assertEqual(status, 429)
        self.assertEqual(body, b"Too Many Requests")
        retry_after = header(headers, "Retry-After")
        self.assertIsNotNone(retry_after)
        self.assertRegex(retry_after, r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")
        self.assertEqual(retry_after, header(headers, "X-RateLimit-Reset"))
        self.assertEqual(header(headers, "X-RateLimit-Limit"), "1")
        self.assertEqual(header(headers, "X-RateLimit-Remaining"), "0")

    def test_the_same_message_for_a_new_revision_or_token_passes(self):
        def ev(rev, token=None):
            md = {"kustomize.toolkit.fluxcd.io/revision": rev}
            if token:
                md["kustomize.toolkit.fluxcd.io/token"] = token
            return event(message="Applied revision", metadata=md)

        self.assertEqual(self.post(ev("main@sha1:aaaa"))[0], 202)
        self.assertEqual(self.post(ev("main@sha1:aaaa"))[0], 429)
        self.assertEqual(self.post(ev("main@sha1:bbbb"))[0], 202)
        self.assertEqual(self.post(ev("main@sha1:bbbb", token="t1"))[0], 202)
        self.assertEqual(self.post(ev("main@sha1:bbbb", token="t1"))[0], 429)
        # the involved object is part of the key
        other = event(name="other-apps", message="Applied revision",
                      metadata={"kustomize.toolkit.fluxcd.io/revision": "main@sha1:aaaa"})
        self.assertEqual(self.post(other)[0], 202)

    def test_any_path_and_method_is_an_event_intake(self):
        status, _, _ = self.post(event(message="sent with PUT to /foo"), path="/foo", method="PUT")
        self.assertEqual(status, 202)
        status, _, _ = self.post(event(message="sent to a deep path"), path="/a/b/c?x=1")
        self.assertEqual(status, 202)
        status, _, _ = self.post(b"{not json", path="/foo", method="PUT")
        self.assertEqual(status, 400)
        for text in (b"sent with PUT to /foo", b"sent to a deep path"):
            wait_until(lambda: any(text in r.body for r in self.sink.received()),
                       message=f"{text!r} at the sink")

    def test_status_counters_count_intake_answers(self):
        before = self.herald.metrics()
        self.assertEqual(self.post(b"nope")[0], 400)
        self.assertEqual(self.post(b"nope")[0], 400)
        after = self.herald.metrics()
        self.assertEqual(metric(after, "herald_events_received_total", code="400")
                         - (metric(before, "herald_events_received_total", code="400") or 0), 2)


class BackpressureTest(unittest.TestCase):
    def test_intake_answers_503_above_max_pending_and_a_refused_event_is_not_a_duplicate(self):
        sink = Sink(listen=False, default=200)
        self.addCleanup(sink.close)
        h = Herald({"c.yaml": documents(provider("hook", address=sink.url()), alert("all", "hook"))},
                   args=["--max-pending", "1"])
        self.addCleanup(h.close)
        self.assertEqual(h.post_event(event(message="fills the queue"))[0], 202)
        status, headers, _ = h.post_event(event(message="refused for now"))
        self.assertEqual(status, 503)
        self.assertIsNotNone(header(headers, "Retry-After"))
        sink.go_live()
        h.wait_delivery("done", timeout=30)
        # a sender retries after a 503; the retry must not be taken for a duplicate
        self.assertEqual(h.post_event(event(message="refused for now"))[0], 202)
        wait_until(lambda: any(b"refused for now" in r.body for r in sink.received()), timeout=20,
                   message="the retried event at the sink")


class DuplicateWindowTest(unittest.TestCase):
    def test_a_duplicate_passes_again_after_a_short_window(self):
        with Herald({"c.yaml": documents(provider("hook", address="http://127.0.0.1:9/x"),
                                         alert("all", "hook"))},
                    args=["--duplicate-window", "1s"]) as h:
            ev = event(message="short window")
            self.assertEqual(h.post_event(ev)[0], 202)
            self.assertEqual(h.post_event(ev)[0], 429)
            wait_until(lambda: h.post_event(ev)[0] == 202, timeout=10, interval=0.2,
                       message="the window to end")


if __name__ == "__main__":
    unittest.main()
