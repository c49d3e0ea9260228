"""Accepted means durable: kill -9 after 202 loses nothing, SIGTERM stops
cleanly, and pending deliveries resume after a restart on the same --state."""

import json
import signal
import unittest

from harness import Herald, Sink, alert, documents, event, provider, wait_until


def messages(sink, status=None):
    return [json.loads(r.body)["message"] for r in sink.received() if status is None or r.status == status]


class DurabilityTest(unittest.TestCase):
    def start(self, sink):
        h = Herald({"c.yaml": documents(provider("hook", address=sink.url("/durable")), alert("all", "hook"))})
        self.addCleanup(h.close)
        return h

    def test_kill_9_right_after_202_loses_no_event(self):
        # the port is bound but not listening: every connection is refused
        sink = Sink(listen=False, default=204)
        self.addCleanup(sink.close)
        h = self.start(sink)
        sent = [f"durable event {i}" for i in range(5)]
        for text in sent:
            self.assertEqual(h.post_event(event(message=text))[0], 202)
        h.kill(signal.SIGKILL)
        self.assertEqual(h.wait(), -signal.SIGKILL)
        self.assertEqual(sink.received(), [])

        sink.go_live()
        h.start()
        wait_until(lambda: set(sent) <= set(messages(sink, 204)), timeout=30,
                   message="every accepted event at the sink after the restart")
        h.wait_delivery("done", count=len(sent), timeout=30)
        self.assertEqual(h.deliveries(state="pending"), [])

    def test_kill_9_while_retrying_keeps_the_delivery(self):
        sink = Sink(default=503)
        self.addCleanup(sink.close)
        h = self.start(sink)
        self.assertEqual(h.post_event(event(message="retried across a crash"))[0], 202)
        # one attempt got 503 and herald stored that outcome
        wait_until(lambda: [d for d in h.deliveries(state="pending") if d["attempts"] >= 1 and d.get("lastError")],
                   message="a recorded failed attempt")
        h.kill(signal.SIGKILL)
        h.wait()
        sink.set_responses([], default=200)
        h.start()
        wait_until(lambda: "retried across a crash" in messages(sink, 200), timeout=30,
                   message="the delivery after the restart")
        done = h.wait_delivery("done", timeout=30)
        self.assertGreaterEqual(done[0]["attempts"], 2)

    def test_sigterm_exits_0_and_pending_deliveries_resume_after_restart(self):
        sink = Sink(default=503)
        self.addCleanup(sink.close)
        h = self.start(sink)
        self.assertEqual(h.post_event(event(message="pending over a restart"))[0], 202)
        sink.wait_for(1)
        h.kill(signal.SIGTERM)
        self.assertEqual(h.wait(), 0)
        self.assertIn('msg=stopped', h.log())
        sink.set_responses([], default=200)
        h.start()
        wait_until(lambda: "pending over a restart" in messages(sink, 200), timeout=30,
                   message="the delivery after the restart")
        h.wait_delivery("done", timeout=30)
        # the restart resumed the stored delivery; it made no second one
        self.assertEqual(len(h.deliveries()), 1)

    def test_sigint_also_stops_cleanly(self):
        sink = Sink(default=200)
        self.addCleanup(sink.close)
        h = self.start(sink)
        self.assertEqual(h.post_event(event(message="before sigint"))[0], 202)
        h.wait_delivery("done")
        h.kill(signal.SIGINT)
        self.assertEqual(h.wait(), 0)


if __name__ == "__main__":
    unittest.main()
