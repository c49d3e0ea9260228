"""Operability: `herald render` and `herald send`, hot reload of a rotated
Secret and of a refused config, Provider and Alert conditions in the status
API, and JSON logs with per-component levels."""

import hashlib
import hmac
import json
import os
import unittest

from harness import (Herald, Response, Sink, alert, compact_json, documents, event, free_port, metric, provider,
                     run_herald, wait_until)

GROUP = "kustomize.toolkit.fluxcd.io"
SHA = "0123456789abcdef0123456789abcdef01234567"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def signature(key, body):
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


class CliTest(unittest.TestCase):
    """render and send against a config dir and a mounted secrets dir."""

    def setUp(self):
        import tempfile
        import shutil
        self.dir = tempfile.mkdtemp(prefix="herald-it-ops-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.config = os.path.join(self.dir, "config")
        self.secrets = os.path.join(self.dir, "secrets")
        os.makedirs(self.secrets)
        self.sink = Sink(default=200)
        self.addCleanup(self.sink.close)

    def secret_file(self, name, key, value):
        write(os.path.join(self.secrets, "flux-system", name, key), value)

    def run_cli(self, *args):
        from harness import plugins_dir
        return run_herald(list(args) + ["--config", self.config, "--secrets", self.secrets,
                                        "--plugins", plugins_dir()])

    def event_file(self, ev):
        path = os.path.join(self.dir, "event.json")
        write(path, compact_json(ev))
        return path

    # ------------------------------------------------------------------
    def test_render_explains_every_alert_and_shows_masked_requests_without_sending(self):
        hook_url = self.sink.url("/hooks/s3cr3t-path-token")
        self.secret_file("hook-secret", "address", hook_url)
        self.secret_file("hook-secret", "headers", "X-Api-Key: t0p-secret-header\n")
        self.secret_file("gh-token", "token", "ghp_render_secret_token")
        write(os.path.join(self.config, "c.yaml"), documents(
            provider("hook", secret="hook-secret"),
            provider("gh", type_="github", address=f"http://127.0.0.1:{self.sink.port}/owner/repo",
                     secret="gh-token"),
            provider("chat", type_="slack", address=self.sink.url("/slack")),
            provider("paused", address=self.sink.url("/paused"), suspend=True),
            alert("to-hook", "hook"),
            alert("to-gh", "gh"),
            alert("to-chat", "chat"),
            alert("errors-only", "hook", severity="error"),
            alert("excluded", "hook", exclusion=["^never$", "appl[a-z]+"]),
            alert("suspended", "hook", suspend=True),
            alert("git-only", "hook", sources=(("GitRepository", "*"),)),
            alert("other-name", "hook", sources=(("Kustomization", "infra"),)),
            alert("to-paused", "paused")))
        ev = event(name="apps", message="applied revision", metadata={
            f"{GROUP}/revision": f"main@sha1:{SHA}", f"{GROUP}/commit_status": "update"})
        rc, out, err = self.run_cli("render", "--event", self.event_file(ev))
        self.assertEqual(rc, 0, err)

        decisions = {}
        for line in out.splitlines():
            if line.startswith("alert "):
                name = line.split()[1]
                decisions[name] = line.split(": ", 1)[1]
        self.assertEqual(decisions["flux-system/to-hook"], "matched")
        self.assertEqual(decisions["flux-system/to-gh"], "matched")
        self.assertIn("commit_status", decisions["flux-system/to-chat"])
        self.assertIn("not matched", decisions["flux-system/to-chat"])
        self.assertIn("eventSeverity", decisions["flux-system/errors-only"])
        self.assertIn("exclusionList[1]", decisions["flux-system/excluded"])
        self.assertIn("suspended", decisions["flux-system/suspended"])
        self.assertIn("Kustomization/flux-system/apps", decisions["flux-system/git-only"])
        self.assertIn("Kustomization/flux-system/apps", decisions["flux-system/other-name"])
        self.assertIn("suspended", decisions["flux-system/to-paused"])
        self.assertEqual(len(decisions), 9, out)

        # the generic request: secret address and secret header masked
        hook = out.split("provider flux-system/hook (generic)")[1].split("\nprovider ")[0]
        self.assertIn("POST *****", hook)
        self.assertIn("X-Api-Key: *****", hook)
        self.assertIn('"message":"applied revision"', hook)
        # the github lookup is step 0; the POST depends on its answer
        gh = out.split("provider flux-system/gh (github)")[1].split("\nprovider ")[0]
        self.assertIn(f"GET http://127.0.0.1:{self.sink.port}/api/v3/repos/owner/repo/commits/{SHA}"
                      "/statuses?per_page=50", gh)
        self.assertIn("Authorization: *****", gh)
        self.assertIn("continues from the API's response", gh)
        self.assertNotIn("\n    POST", gh)
        for secret_text in ("s3cr3t-path-token", "t0p-secret-header", "ghp_render_secret_token"):
            self.assertNotIn(secret_text, out + err)
        self.assertNotIn("provider flux-system/chat (slack)", out)
        self.assertEqual(self.sink.received(), [], "render sends nothing")

        rc, out, err = self.run_cli("render", "--event", self.event_file(ev), "--provider", "flux-system/gh")
        self.assertEqual(rc, 0, err)
        self.assertIn("alert flux-system/to-gh -> provider flux-system/gh: matched", out)
        self.assertNotIn("flux-system/hook", out)
        self.assertIn("provider flux-system/gh (github)", out)
        self.assertEqual(self.sink.received(), [])

    def test_send_delivers_a_sample_and_reports_a_receivers_failure(self):
        failing = Sink(default=Response(500, body="receiver exploded"))
        self.addCleanup(failing.close)
        write(os.path.join(self.config, "c.yaml"), documents(
            provider("ok", address=self.sink.url("/ok")),
            provider("broken", address=failing.url("/broken"))))
        rc, out, err = self.run_cli("send", "--provider", "flux-system/ok")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("delivered", out)
        recs = self.sink.wait_for(1)
        self.assertEqual(recs[0].target, "/ok")
        self.assertEqual(json.loads(recs[0].body)["involvedObject"]["kind"], "Kustomization")

        rc, out, err = self.run_cli("send", "--provider", "flux-system/broken")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("status code 500", out)
        self.assertIn("receiver exploded", out)
        self.assertNotIn("delivered", out)
        self.assertEqual(len(failing.received()), 1, "send makes one attempt and does not retry")

        rc, out, err = self.run_cli("send", "--provider", "flux-system/missing")
        self.assertEqual(rc, 1)
        self.assertIn("flux-system/missing", err)


class DaemonTest(unittest.TestCase):
    def sink(self, **kw):
        s = Sink(**kw)
        self.addCleanup(s.close)
        return s

    def herald(self, manifests, **kw):
        h = Herald(manifests, **kw)
        self.addCleanup(h.close)
        return h

    # ------------------------------------------------------------------
    def test_a_rotated_secret_and_a_refused_config_are_handled_without_restart(self):
        sink = self.sink(default=200)
        manifests = {"c.yaml": documents(provider("signed", type_="generic-hmac", address=sink.url("/signed"),
                                                  secret="hmac"), alert("all", "signed"))}
        h = self.herald(manifests, secrets={("flux-system", "hmac"): {"token": "old-key"}},
                        args=["--watch-interval", "200ms"])

        def reloads(result):
            return metric(h.metrics(), "herald_config_reloads_total", result=result) or 0

        self.assertEqual(h.post_event(event(message="signed with the old key"))[0], 202)
        first = sink.wait_for(1)[0]
        self.assertEqual(first.header("X-Signature"), signature("old-key", first.body))

        h.write_secrets({("flux-system", "hmac"): {"token": "new-key"}})
        wait_until(lambda: reloads("success") >= 1, timeout=15, message="a reload after the Secret changed")
        self.assertEqual(h.post_event(event(message="signed with the new key"))[0], 202)
        rec = wait_until(lambda: [r for r in sink.received() if b"new key" in r.body], timeout=15,
                         message="the event after the rotation")[0]
        self.assertEqual(rec.header("X-Signature"), signature("new-key", rec.body))

        failures = reloads("failure")
        h.write_manifests({"c.yaml": documents(
            provider("signed", type_="generic-hmac", address=sink.url("/signed"), secret="hmac",
                     timeout="forever"),
            alert("all", "signed"))})
        wait_until(lambda: reloads("failure") == failures + 1, timeout=15, message="a refused reload")
        status, _, body = h.get_admin("/readyz")
        self.assertEqual(status, 200, body)
        ready = json.loads(body)
        self.assertIn("spec.timeout", ready.get("lastReloadError", ""), ready)
        self.assertNotIn("new-key", body.decode())
        self.assertIn("config reload refused", h.log())

        self.assertEqual(h.post_event(event(message="after the refused reload"))[0], 202)
        rec = wait_until(lambda: [r for r in sink.received() if b"refused reload" in r.body], timeout=15,
                         message="delivery by the previous config")[0]
        self.assertEqual(rec.target, "/signed")
        self.assertEqual(rec.header("X-Signature"), signature("new-key", rec.body))
        self.assertIsNone(h.proc.poll())

    # ------------------------------------------------------------------
    def test_status_api_shows_provider_and_alert_conditions(self):
        good = self.sink(default=200)
        bad = self.sink(default=Response(500, body="rejected token bad-provider-secret"))
        manifests = {"c.yaml": documents(
            provider("good", address=good.url("/good")), alert("to-good", "good"),
            provider("bad", address=bad.url("/bad"), secret="bad-secret"), alert("to-bad", "bad"),
            provider("paused", address=good.url("/paused"), suspend=True), alert("to-paused", "paused"),
            alert("quiet", "good", suspend=True))}
        h = self.herald(manifests, secrets={("flux-system", "bad-secret"): {
            "headers": "Authorization: Bearer bad-provider-secret\n"}})
        self.assertEqual(h.post_event(event(message="status check"))[0], 202)
        h.wait_delivery("done", provider="flux-system/good")
        bad.wait_for(1)

        def providers():
            return {p["name"]: p for p in h.admin_json("/api/v1/providers")["items"]}

        def condition(p):
            return p["conditions"][0]["type"]

        items = wait_until(lambda: (lambda ps: ps if condition(ps["bad"]) == "Degraded" else None)(providers()),
                           message="the failing provider Degraded")
        self.assertEqual(condition(items["good"]), "Ready")
        self.assertGreater(items["good"].get("lastDeliveryMs", 0), 0)
        self.assertIn("500", items["bad"]["lastError"])
        self.assertIn("*****", items["bad"]["lastError"])
        self.assertEqual(condition(items["paused"]), "Suspended")
        status, _, raw = h.get_admin("/api/v1/providers")
        self.assertNotIn(b"bad-provider-secret", raw)

        alerts = {a["name"]: a for a in h.admin_json("/api/v1/alerts")["items"]}
        self.assertEqual(set(alerts), {"to-good", "to-bad", "to-paused", "quiet"})
        self.assertEqual(condition(alerts["to-good"]), "Ready")
        self.assertEqual(condition(alerts["to-bad"]), "Ready")
        self.assertEqual(condition(alerts["quiet"]), "Suspended")
        self.assertEqual(condition(alerts["to-paused"]), "Suspended")
        self.assertEqual(alerts["to-good"]["providerRef"], "good")

    # ------------------------------------------------------------------
    def test_json_logs_and_per_component_levels(self):
        sink = self.sink(default=200)
        h = self.herald({"c.yaml": documents(provider("hook", address=sink.url("/logs")), alert("all", "hook"))},
                        args=["--log-format", "json", "--log-level", "warning,delivery=debug"],
                        ports=(free_port(), free_port()))
        self.assertEqual(h.post_event(event(message="logged delivery"))[0], 202)
        h.wait_delivery("done")
        # a duplicate: intake and app activity, all below the warning level
        self.assertEqual(h.post_event(event(message="logged delivery"))[0], 429)
        self.assertEqual(h.stop(), 0)

        records = []
        for line in h.log().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                self.fail(f"stderr line is not JSON: {line!r}")
        for r in records:
            self.assertIsInstance(r, dict)
            for key in ("time", "level", "component", "msg"):
                self.assertIn(key, r, r)
            self.assertRegex(r["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        debug = [r for r in records if r["component"] == "delivery" and r["level"] == "debug"]
        self.assertTrue(debug, records)
        self.assertTrue(any(r["msg"] == "delivered" for r in debug), debug)
        below = [r for r in records if r["component"] != "delivery" and r["level"] in ("debug", "info")]
        self.assertEqual(below, [], "info lines of other components are hidden by the warning level")


if __name__ == "__main__":
    unittest.main()
