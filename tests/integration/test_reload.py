"""Config reload on SIGHUP and on file changes: a valid config takes over, an
invalid one is refused and the previous config keeps serving."""

import json
import signal
import threading
import unittest

from harness import Herald, Sink, alert, documents, event, metric, provider, wait_until


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.first = Sink(default=200)
        self.second = Sink(default=200)
        self.addCleanup(self.first.close)
        self.addCleanup(self.second.close)

    def config(self, sink, path):
        return {"c.yaml": documents(provider("hook", address=sink.url(path)), alert("all", "hook"))}

    def reloads(self, h, result):
        return metric(h.metrics(), "herald_config_reloads_total", result=result) or 0

    def test_sighup_loads_a_new_config_and_refuses_a_bad_one(self):
        h = Herald(self.config(self.first, "/first"), args=["--watch-interval", "0"])
        self.addCleanup(h.close)
        self.assertEqual(h.post_event(event(message="before reload"))[0], 202)
        self.assertEqual(self.first.wait_for(1)[0].target, "/first")

        h.write_manifests(self.config(self.second, "/second"))
        h.kill(signal.SIGHUP)
        wait_until(lambda: self.reloads(h, "success") == 1, message="a successful reload")
        self.assertEqual(h.post_event(event(message="after reload"))[0], 202)
        self.assertEqual(self.second.wait_for(1)[0].target, "/second")

        h.write_manifests({"c.yaml": documents(provider("hook", type_="nosuchtype", address="http://x/"),
                                               alert("all", "hook"))})
        h.kill(signal.SIGHUP)
        wait_until(lambda: self.reloads(h, "failure") == 1, message="a refused reload")
        self.assertIn("nosuchtype", h.log())
        self.assertEqual(h.post_event(event(message="after a refused reload"))[0], 202)
        self.second.wait_for(2)
        self.assertEqual(len(self.first.received()), 1)
        self.assertIsNone(h.proc.poll(), "herald stopped on a bad reload")

    def test_a_reload_that_adds_a_provider_drops_no_event_sent_during_it(self):
        h = Herald(self.config(self.first, "/first"), args=["--watch-interval", "0"])
        self.addCleanup(h.close)
        accepted = []
        stop = threading.Event()

        def post_continuously():
            n = 0
            while not stop.is_set() and n < 2000:
                status = h.post_event(event(message=f"during reload {n}"))[0]
                if status == 202:
                    accepted.append(n)
                n += 1

        poster = threading.Thread(target=post_continuously)
        poster.start()
        self.addCleanup(stop.set)
        wait_until(lambda: len(accepted) >= 20, message="events flowing before the reload")
        h.write_manifests({"c.yaml": documents(provider("hook", address=self.first.url("/first")),
                                               alert("all", "hook"),
                                               provider("added", address=self.second.url("/added")),
                                               alert("to-added", "added"))})
        h.kill(signal.SIGHUP)
        wait_until(lambda: self.reloads(h, "success") == 1, message="the reload")
        # Keep posting a while after the swap, then stop.
        after = len(accepted)
        wait_until(lambda: len(accepted) >= after + 20, message="events flowing after the reload")
        stop.set()
        poster.join(timeout=30)

        # Every accepted event reached the Provider that existed all along...
        got = wait_until(lambda: len(self.first.received()) >= len(accepted) and self.first.received(),
                         timeout=30, message="every accepted event delivered to the first provider")
        messages = {json.loads(r.body)["message"] for r in got}
        self.assertEqual(messages, {f"during reload {n}" for n in accepted})
        # ...and the added Provider took events from the reload on.
        self.assertGreaterEqual(len(self.second.wait_for(1)), 1)
        self.assertEqual(metric(h.metrics(), "herald_events_received_total", code="202"), len(accepted))

    def test_a_changed_file_is_picked_up_without_a_signal(self):
        h = Herald(self.config(self.first, "/first"), args=["--watch-interval", "200ms"])
        self.addCleanup(h.close)
        h.write_manifests(self.config(self.second, "/watched"))
        wait_until(lambda: self.reloads(h, "success") >= 1, timeout=15, message="a reload from the file watch")
        self.assertEqual(h.post_event(event(message="after watch reload"))[0], 202)
        self.assertEqual(self.second.wait_for(1)[0].target, "/watched")
        self.assertEqual(self.first.received(), [])


if __name__ == "__main__":
    unittest.main()
