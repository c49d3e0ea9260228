"""Delivery guarantees: lanes isolate a hanging receiver, commit statuses keep
their order through retries, backpressure, graceful stop, per-Provider retry
budgets, dead letters through `herald deliveries`, and --full-fsync.

Only counts and states are asserted, reached by polling with generous
timeouts (the suite also runs under ASan on a loaded machine); the few time
bounds are far from the values the test provokes, and are measured where the
provoked behaviour shows (the receiver's clock), not end to end."""

import json
import os
import signal
import threading
import time
import unittest

from harness import (Herald, Response, Sink, alert, documents, event, header, metric, provider, run_herald,
                     wait_until)


# Deadline of every poll: reached in a second or two on an idle machine; long
# only so a sanitized herald on a busy machine is not mistaken for a hang.
SLOW = 60


def messages(sink, status=None):
    return [json.loads(r.body)["message"] for r in sink.received() if status is None or r.status == status]


class GuaranteesTest(unittest.TestCase):
    def sink(self, **kw):
        s = Sink(**kw)
        self.addCleanup(s.close)
        return s

    def herald(self, manifests, **kw):
        h = Herald(manifests, start=False, **kw)
        self.addCleanup(h.close)
        return h.start(timeout=SLOW)

    def hold(self):
        """An Event a held sink answers on; set at cleanup so no handler
        thread outlives the test by long."""
        e = threading.Event()
        self.addCleanup(e.set)
        return e

    # ------------------------------------------------------------------
    def test_a_hanging_receiver_does_not_delay_a_healthy_provider(self):
        release = self.hold()
        slow = self.sink(default=Response(200, hold=release))
        fast = self.sink(default=200)
        h = self.herald({"c.yaml": documents(
            provider("slow", address=slow.url("/slow"), timeout="10s"), alert("to-slow", "slow"),
            provider("fast", address=fast.url("/fast")), alert("to-fast", "fast"))},
            args=["--provider-concurrency", "2", "--workers", "8"])
        sent = [f"burst {i}" for i in range(12)]
        for text in sent:
            self.assertEqual(h.post_event(event(message=text))[0], 202)

        h.wait_delivery("done", provider="flux-system/fast", count=len(sent), timeout=SLOW)
        self.assertCountEqual(messages(fast, 200), sent)
        # the slow receiver has answered nothing: every one of its deliveries is unfinished
        self.assertEqual(h.deliveries(state="done", provider="flux-system/slow"), [])
        self.assertEqual(len(h.deliveries(state="pending", provider="flux-system/slow")), len(sent))
        recs = slow.wait_for(2, timeout=SLOW)
        # Its lane holds at most --provider-concurrency exchanges: none of them
        # can end before the 10 s timeout, so no third request arrives in the
        # first 4 s after the first one (watched for those 4 s; 6 s of margin
        # for a loaded machine).
        time.sleep(max(0.0, recs[0].at + 4.0 - time.monotonic()))
        early = [r for r in slow.received() if r.at < recs[0].at + 4.0]
        self.assertLessEqual(len(early), 2, early)

        release.set()
        slow.default = Response(200)
        h.wait_delivery("done", provider="flux-system/slow", count=len(sent), timeout=2 * SLOW)
        self.assertEqual(set(messages(slow, 200)), set(sent))

    # ------------------------------------------------------------------
    def test_commit_statuses_are_posted_in_event_order_across_a_retry(self):
        shas = [c * 40 for c in "1234"]
        posted = []
        lock = threading.Lock()

        def github(method, target, body):
            if method == "GET":
                return Response(200, {"Content-Type": "application/json"}, "[]")
            with lock:
                posted.append(target.rsplit("/", 1)[-1])
                first = len(posted) == 1
            return Response(503 if first else 201, {"Content-Type": "application/json"}, "{}")

        api = self.sink(responder=github)
        h = self.herald({"c.yaml": documents(
            provider("gh", type_="github", address=f"http://127.0.0.1:{api.port}/owner/repo", secret="gh-token"),
            alert("statuses", "gh"))},
            secrets={("flux-system", "gh-token"): {"token": "ghp_integration_token"}})
        for i, sha in enumerate(shas):
            ev = event(message=f"applied revision {i}", metadata={
                "kustomize.toolkit.fluxcd.io/revision": f"main@sha1:{sha}",
                "kustomize.toolkit.fluxcd.io/commit_status": "update"})
            self.assertEqual(h.post_event(ev)[0], 202)
        h.wait_delivery("done", provider="flux-system/gh", count=len(shas), timeout=2 * SLOW)

        self.assertEqual(posted, [shas[0]] + shas, "the first status is retried before any later one is posted")
        recs = api.received()
        self.assertEqual([r.method for r in recs], ["GET", "POST"] * (len(shas) + 1))
        for r in recs:
            if r.method == "GET":
                self.assertRegex(r.target, r"^/api/v3/repos/owner/repo/commits/[0-9]{40}/statuses\?per_page=50$")
            else:
                self.assertRegex(r.target, r"^/api/v3/repos/owner/repo/statuses/[0-9]{40}$")
                self.assertEqual(json.loads(r.body)["state"], "success")
            self.assertEqual(r.header("Authorization"), "Bearer ghp_integration_token")
        # each POST follows the lookup of the same commit
        for get, post in zip(recs[0::2], recs[1::2]):
            self.assertEqual(get.target.split("/")[-2], post.target.split("/")[-1])
        statuses = [r.status for r in recs if r.method == "POST"]
        self.assertEqual(statuses, [503] + [201] * len(shas))
        self.assertEqual(api.max_in_flight, 1, "an ordered lane runs one exchange at a time")

    # ------------------------------------------------------------------
    def test_max_pending_answers_503_until_the_receiver_recovers(self):
        release = self.hold()
        sink = self.sink(default=Response(200, hold=release))
        h = self.herald({"c.yaml": documents(provider("hook", address=sink.url("/bp"), timeout="60s"),
                                             alert("all", "hook"))},
                        args=["--max-pending", "5"])
        for i in range(5):
            self.assertEqual(h.post_event(event(message=f"accepted {i}"))[0], 202)
        status, headers, _ = h.post_event(event(message="one too many"))
        self.assertEqual(status, 503)
        self.assertIsNotNone(header(headers, "Retry-After"))
        self.assertGreater(int(header(headers, "Retry-After")), 0)
        self.assertEqual(metric(h.metrics(), "herald_deliveries_pending"), 5)

        release.set()
        sink.default = Response(200)
        h.wait_delivery("done", count=5, timeout=SLOW)
        wait_until(lambda: metric(h.metrics(), "herald_deliveries_pending") == 0, timeout=SLOW,
                   message="pending drained")
        self.assertEqual(h.post_event(event(message="one too many"))[0], 202)
        h.wait_delivery("done", count=6, timeout=SLOW)
        self.assertCountEqual(messages(sink, 200), [f"accepted {i}" for i in range(5)] + ["one too many"])

    # ------------------------------------------------------------------
    def test_sigterm_lets_an_in_flight_delivery_finish_within_the_grace(self):
        sink = self.sink(responses=[Response(200, delay=2)], default=200)
        h = self.herald({"c.yaml": documents(provider("hook", address=sink.url("/grace")), alert("all", "hook"))},
                        args=["--shutdown-grace", "10s"])
        ev = event(message="in flight at SIGTERM")
        self.assertEqual(h.post_event(ev)[0], 202)
        sink.wait_for(1, timeout=SLOW)
        h.kill(signal.SIGTERM)
        # the same event again: 429 (duplicate) while still open, 503 once closed
        status = wait_until(lambda: (lambda s: s if s != 429 else None)(self._post_status(h, ev)),
                            timeout=SLOW, message="intake closing")
        self.assertEqual(status, 503)
        self.assertEqual(h.wait(timeout=SLOW), 0)
        self.assertEqual(len(sink.received()), 1)
        self.assertNotIn("abandoning", h.log())

        h.start(timeout=SLOW)
        done = h.deliveries(state="done")
        self.assertEqual(len(done), 1, "the in-flight delivery was recorded as done")
        self.assertEqual(h.deliveries(state="pending"), [])
        time.sleep(1.0)  # not an assertion: time for a wrong resend to show
        self.assertEqual(len(sink.received()), 1, "a finished delivery is not sent again after a restart")

    @staticmethod
    def _post_status(h, ev):
        try:
            return h.post_event(ev, timeout=SLOW)[0]
        except OSError:
            return 503  # the intake already closed its socket: refused too

    def test_sigterm_with_a_short_grace_exits_and_resends_after_restart(self):
        # the receiver never answers (60 s timeout); herald must not wait for it
        release = self.hold()
        sink = self.sink(responses=[Response(200, hold=release)], default=200)
        h = self.herald({"c.yaml": documents(provider("hook", address=sink.url("/short"), timeout="60s"),
                                             alert("all", "hook"))},
                        args=["--shutdown-grace", "1s"])
        self.assertEqual(h.post_event(event(message="abandoned at SIGTERM"))[0], 202)
        sink.wait_for(1, timeout=SLOW)
        started = time.monotonic()
        h.kill(signal.SIGTERM)
        self.assertEqual(h.wait(timeout=50), 0)
        self.assertLess(time.monotonic() - started, 30, "the exit waited for the grace (1 s), not the receiver (60 s)")
        self.assertFalse(release.is_set())
        self.assertIn("abandoning in-flight deliveries", h.log())
        self.assertIn("msg=stopped", h.log())
        h.start(timeout=SLOW)
        wait_until(lambda: "abandoned at SIGTERM" in messages(sink, 200), timeout=SLOW,
                   message="the delivery sent again after the restart")
        h.wait_delivery("done", timeout=SLOW)

    # ------------------------------------------------------------------
    def test_a_retry_for_annotation_gives_one_provider_a_shorter_budget(self):
        short = self.sink(default=503)
        patient = self.sink(default=503)
        h = self.herald({"c.yaml": documents(
            provider("short", address=short.url("/short"), annotations={"herald.io/retry-for": "2s"}),
            alert("to-short", "short"),
            provider("patient", address=patient.url("/patient")), alert("to-patient", "patient"))},
            args=["--retry-for", "1h"])
        self.assertEqual(h.post_event(event(message="always unavailable"))[0], 202)
        dead = h.wait_delivery("dead", provider="flux-system/short", timeout=SLOW)
        self.assertIn("503", dead[0]["lastError"])
        # No retry is scheduled past the budget: every attempt reached the
        # receiver within the 2 s budget (+2 s for a loaded machine) of the
        # first one. Timed at the receiver, so a slow last attempt or a slow
        # write of the dead state does not count.
        tries = short.received()
        self.assertLess(tries[-1].at - tries[0].at, 2.0 + 2.0, "no attempt after its 2 s budget")
        # the other Provider is still retrying, well past the 2 s budget
        patient.wait_for(3, timeout=SLOW)
        self.assertEqual(h.deliveries(state="dead", provider="flux-system/patient"), [])
        pending = h.deliveries(state="pending", provider="flux-system/patient")
        self.assertEqual(len(pending), 1)
        self.assertGreaterEqual(pending[0]["attempts"], 2)
        self.assertEqual(len(short.received()), dead[0]["attempts"])

    # ------------------------------------------------------------------
    def test_deliveries_subcommand_lists_shows_and_replays_dead_letters(self):
        sink = self.sink(responses=[404, 410, 400], default=200)
        h = self.herald({"c.yaml": documents(provider("hook", address=sink.url("/dl")), alert("all", "hook"))})
        admin = f"127.0.0.1:{h.admin_port}"
        for text in ("dead one", "dead two", "dead three"):
            self.assertEqual(h.post_event(event(message=text))[0], 202)
            h.wait_delivery("dead", count=["dead one", "dead two", "dead three"].index(text) + 1, timeout=SLOW)
        dead = sorted(h.deliveries(state="dead"), key=lambda d: d["id"])
        first = dead[0]

        rc, out, err = run_herald(["deliveries", "list", "--state", "dead", "--admin", admin])
        self.assertEqual(rc, 0, err)
        rows = [line for line in out.splitlines()[1:] if line.strip()]
        self.assertEqual(len(rows), 3, out)
        row = next(line for line in rows if line.split()[0] == str(first["id"]))
        self.assertIn("dead", row)
        self.assertIn("flux-system/hook", row)
        self.assertIn("404", row)

        rc, out, err = run_herald(["deliveries", "show", str(first["id"]), "--admin", admin])
        self.assertEqual(rc, 0, err)
        shown = json.loads(out)
        self.assertEqual(shown["id"], first["id"])
        self.assertEqual(shown["state"], "dead")
        self.assertEqual(shown["event"]["message"], "dead one")
        self.assertEqual(shown["event"]["involvedObject"]["kind"], "Kustomization")

        rc, out, err = run_herald(["deliveries", "replay", str(first["id"]), "--admin", admin])
        self.assertEqual(rc, 0, err)
        self.assertIn("replayed 1", out)
        wait_until(lambda: "dead one" in messages(sink, 200), timeout=SLOW, message="the replayed delivery")
        # Outcomes reach the store shortly after the receiver answered (batched).
        wait_until(lambda: h.admin_json(f"/api/v1/deliveries/{first['id']}")["state"] == "done", timeout=SLOW,
                   message="the replayed delivery marked done")

        rc, out, err = run_herald(["deliveries", "replay", "--provider", "flux-system/hook", "--admin", admin])
        self.assertEqual(rc, 0, err)
        self.assertIn("replayed 2", out)
        h.wait_delivery("done", count=3, timeout=SLOW)
        self.assertCountEqual(messages(sink, 200), ["dead one", "dead two", "dead three"])

        rc, out, err = run_herald(["deliveries", "list", "--state", "dead", "--admin", admin])
        self.assertEqual(rc, 0, err)
        self.assertIn("no deliveries", out)

        rc, out, err = run_herald(["deliveries", "show", "999999", "--admin", admin])
        self.assertEqual(rc, 1)
        self.assertIn("404", err)

    # ------------------------------------------------------------------
    def test_full_fsync_delivers_and_keeps_accepted_events_across_kill_9(self):
        sink = self.sink(default=204)
        h = self.herald({"c.yaml": documents(provider("hook", address=sink.url("/fsync")), alert("all", "hook"))},
                        args=["--full-fsync"])
        self.assertEqual(h.post_event(event(message="fsynced and delivered"))[0], 202)
        h.wait_delivery("done", timeout=SLOW)
        self.assertEqual(messages(sink, 204), ["fsynced and delivered"])

        sink.set_responses([], default=503)
        sent = [f"fsynced {i}" for i in range(4)]
        for text in sent:
            self.assertEqual(h.post_event(event(message=text))[0], 202)
        h.kill(signal.SIGKILL)
        h.wait()
        self.assertIn("--full-fsync", h.command())
        sink.set_responses([], default=204)
        h.start(timeout=SLOW)
        wait_until(lambda: set(sent) <= set(messages(sink, 204)), timeout=SLOW,
                   message="every accepted event delivered after kill -9")
        h.wait_delivery("done", count=len(sent) + 1, timeout=SLOW)
        self.assertEqual(len(h.deliveries()), len(sent) + 1)
        self.assertTrue(os.path.isfile(os.path.join(h.state_dir, "herald.db")))


if __name__ == "__main__":
    unittest.main()
