"""Alert matching and the metadata each delivery carries (reference/providers.md
§1.6, §1.7, §1.8). One herald serves several Providers, each with its own
path on one sink, so a test can tell which Alert delivered what."""

import json
import unittest

from harness import Herald, Sink, alert, documents, event, provider, wait_until


class RoutingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink(default=200)
        u = cls.sink.url
        cls.herald = Herald({
            "providers.yaml": documents(
                provider("errors-only", address=u("/errors-only")),
                provider("filtered", address=u("/filtered")),
                provider("included", address=u("/included")),
                provider("suspended-provider", address=u("/suspended-provider"), suspend=True),
                provider("for-suspended-alert", address=u("/for-suspended-alert")),
                provider("enriched", address=u("/enriched")),
                provider("named", address=u("/named")),
                provider("other-ns", address=u("/other-ns"), namespace="apps"),
                # a catch-all: every event the tests send reaches it; the tests
                # wait for it before asserting what the others did NOT receive
                provider("witness", address=u("/witness")),
            ),
            "alerts.yaml": documents(
                alert("errors-only", "errors-only", severity="error",
                      sources=(("Kustomization", "*"),)),
                alert("filtered", "filtered", exclusion=["waiting.*dependency", "^Health"],
                      sources=(("Kustomization", "*"),)),
                alert("included", "included", inclusion=["deploy(ed|ing)"], sources=(("Kustomization", "*"),)),
                alert("suspended-provider", "suspended-provider", sources=(("Kustomization", "*"),)),
                alert("suspended-alert", "for-suspended-alert", suspend=True, sources=(("Kustomization", "*"),)),
                alert("enriched", "enriched", sources=(("GitRepository", "*"),),
                      event_metadata={"cluster": "prod-eu-1", "env": "prod"}, summary="the summary"),
                alert("named", "named", sources=(("HelmRelease", "podinfo"),)),
                # source namespace defaults to the Alert's namespace (apps)
                alert("other-ns", "other-ns", namespace="apps", sources=(("Kustomization", "*"),)),
                alert("witness", "witness", sources=(("Kustomization", "*"), ("GitRepository", "*"),
                                                      ("HelmRelease", "*"))),
            ),
        })

    @classmethod
    def tearDownClass(cls):
        cls.herald.close()
        cls.sink.close()

    def send(self, **kw):
        """Posts one event and waits until the witness Provider got it;
        returns {path: [json bodies]} of the requests carrying this message."""
        ev = event(**kw)
        self.assertEqual(self.herald.post_event(ev)[0], 202)
        msg = ev["message"]

        def witnessed():
            return any(r.target == "/witness" and json.loads(r.body)["message"] == msg
                       for r in self.sink.received())

        wait_until(witnessed, message=f"witness delivery of {msg!r}")
        # deliveries of one event are stored together; wait until none is pending
        wait_until(lambda: not self.herald.deliveries(state="pending"), message="no pending deliveries")
        out = {}
        for r in self.sink.received():
            body = json.loads(r.body)
            if body["message"] == msg:
                out.setdefault(r.target, []).append(body)
        return out

    def test_error_severity_alert_filters_info_events(self):
        got = self.send(severity="info", message="info event for severity test")
        self.assertNotIn("/errors-only", got)
        got = self.send(severity="error", message="error event for severity test")
        self.assertEqual(len(got["/errors-only"]), 1)
        self.assertEqual(got["/errors-only"][0]["severity"], "error")
        # an info Alert takes every severity
        self.assertIn("/filtered", got)

    def test_exclusion_list_drops_matching_messages(self):
        got = self.send(message="Dependencies: waiting for dependency flux-system/infra")
        self.assertNotIn("/filtered", got)
        got = self.send(message="Health check passed in 2s")
        self.assertNotIn("/filtered", got)
        # unanchored: ^Health does not match in the middle
        got = self.send(message="Reconciled. Health check passed")
        self.assertEqual(len(got["/filtered"]), 1)

    def test_inclusion_list_keeps_only_matching_messages(self):
        got = self.send(message="nothing to see here")
        self.assertNotIn("/included", got)
        got = self.send(message="image deployed to cluster")
        self.assertEqual(len(got["/included"]), 1)

    def test_commit_status_update_event_is_forwarded_by_generic(self):
        got = self.send(message="Reconciliation finished in 1.1s, next run in 10m0s",
                        metadata={"kustomize.toolkit.fluxcd.io/commit_status": "update",
                                  "kustomize.toolkit.fluxcd.io/revision": "main@sha1:abc"})
        body = got["/filtered"][0]
        self.assertEqual(body["metadata"], {"commit_status": "update", "revision": "main@sha1:abc"})

    def test_suspended_alert_and_suspended_provider_are_not_delivered(self):
        got = self.send(message="event for suspended things")
        self.assertNotIn("/suspended-provider", got)
        self.assertNotIn("/for-suspended-alert", got)
        self.assertIn("/filtered", got)

    def test_event_metadata_and_summary_are_merged_controller_keys_win(self):
        got = self.send(kind="GitRepository", api_version="source.toolkit.fluxcd.io/v1",
                        message="stored artifact for revision main",
                        controller="source-controller",
                        metadata={"source.toolkit.fluxcd.io/revision": "main@sha1:123",
                                  "source.toolkit.fluxcd.io/env": "from-controller",
                                  "source.toolkit.fluxcd.io/token": "secret-ish-token",
                                  "event.toolkit.fluxcd.io/owner": "team-a",
                                  "other.group.io/ignored": "x"})
        self.assertEqual(len(got["/enriched"]), 1)
        self.assertEqual(got["/enriched"][0]["metadata"], {
            "cluster": "prod-eu-1", "env": "from-controller", "summary": "the summary",
            "revision": "main@sha1:123", "owner": "team-a"})
        # Alerts without eventMetadata see only the cleaned controller keys
        self.assertEqual(got["/witness"][0]["metadata"], {
            "env": "from-controller", "revision": "main@sha1:123", "owner": "team-a"})

    def test_event_source_name_must_match_unless_star(self):
        got = self.send(kind="HelmRelease", name="other-release", api_version="helm.toolkit.fluxcd.io/v2",
                        message="helm release other")
        self.assertNotIn("/named", got)
        got = self.send(kind="HelmRelease", name="podinfo", api_version="helm.toolkit.fluxcd.io/v2",
                        message="helm release podinfo")
        self.assertEqual(len(got["/named"]), 1)

    def test_event_source_namespace_defaults_to_the_alert_namespace(self):
        got = self.send(namespace="flux-system", message="namespace test in flux-system")
        self.assertNotIn("/other-ns", got)
        ev = event(namespace="apps", message="namespace test in apps")
        self.assertEqual(self.herald.post_event(ev)[0], 202)
        wait_until(lambda: any(r.target == "/other-ns" and b"namespace test in apps" in r.body
                               for r in self.sink.received()), message="delivery to apps/other-ns")

    def test_each_matching_alert_delivers_exactly_once(self):
        got = self.send(message="count me once")
        for path, bodies in got.items():
            self.assertEqual(len(bodies), 1, path)


if __name__ == "__main__":
    unittest.main()
