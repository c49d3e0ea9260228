"""Egress policy (docs/OPERATIONS.md "Egress"): the cloud metadata address is
refused by default and dead-lettered at once with the reason; --egress-deny
blocks a sink on 127.0.0.2 while 127.0.0.1 still works; --egress-allow
overrides the default deny."""

import unittest

from harness import Herald, Sink, alert, documents, event, provider


def config(*providers):
    docs = []
    for name, address in providers:
        docs.append(provider(name, address=address))
        docs.append(alert(f"to-{name}", name))
    return {"config.yaml": documents(*docs)}


class EgressTest(unittest.TestCase):
    def test_metadata_address_is_dead_lettered_at_once_with_the_reason(self):
        with Herald(config(("meta", "http://169.254.169.254/latest/meta-data/iam"))) as h:
            status, _, _ = h.post_event(event(message="to metadata"))
            self.assertEqual(status, 202)
            dead = h.wait_delivery("dead", provider="flux-system/meta", timeout=10)[0]
            self.assertEqual(dead["attempts"], 1)  # not retried
            self.assertIn("denied", dead["lastError"])
            self.assertIn("169.254.169.254", dead["lastError"])
            self.assertIn("--egress-allow", dead["lastError"])
            self.assertEqual(h.deliveries(state="pending"), [])

    def test_egress_deny_blocks_one_loopback_address_and_not_the_other(self):
        blocked = Sink(host="127.0.0.2")
        allowed = Sink()
        try:
            with Herald(config(("blocked", blocked.url()), ("allowed", allowed.url())),
                        args=["--egress-deny", "127.0.0.2", "--egress-deny", "10.0.0.0/8,fd00::/8"]) as h:
                status, _, _ = h.post_event(event(message="egress"))
                self.assertEqual(status, 202)
                allowed.wait_for(1)
                dead = h.wait_delivery("dead", provider="flux-system/blocked", timeout=10)[0]
                self.assertEqual(dead["attempts"], 1)
                self.assertIn("--egress-deny", dead["lastError"])
                h.wait_delivery("done", provider="flux-system/allowed")
                self.assertEqual(blocked.received(), [])
        finally:
            blocked.close()
            allowed.close()

    def test_a_bad_egress_entry_stops_startup_with_its_name(self):
        h = Herald(config(("x", "http://127.0.0.1:9/")), args=["--egress-allow", "10.0.0.0/99"], start=False)
        try:
            rc, err = _run_to_exit(h)
            self.assertEqual(rc, 2)
            self.assertIn("10.0.0.0/99", err)
        finally:
            h.close()

    def test_egress_allow_overrides_the_default_deny(self):
        # 169.254.0.1 is not reachable on a closed network: the delivery must
        # be tried (a transport error or whatever answers), not refused by herald.
        m = {"config.yaml": documents(provider("meta", address="http://169.254.0.1:9/hook", timeout="1s"),
                                      alert("to-meta", "meta"))}
        with Herald(m, args=["--egress-allow", "169.254.0.0/16", "--retry-for", "1s"]) as h:
            h.post_event(event(message="allowed"))
            d = h.wait_delivery("dead", provider="flux-system/meta", timeout=30)[0]
            self.assertNotIn("egress", d["lastError"])  # tried: whatever the network said, not herald's policy


def _run_to_exit(h):
    import subprocess
    p = subprocess.run(h.command(), capture_output=True, timeout=30, cwd=h.workdir)
    return p.returncode, p.stderr.decode("utf-8", "replace")


if __name__ == "__main__":
    unittest.main()
