"""generic and generic-hmac requests, byte for byte (reference/providers.md
§1.2, §1.7, §3.1, §3.2), with addresses and headers from Secret manifests and
from a mounted secrets dir."""

import hashlib
import hmac
import unittest

from harness import Herald, Response, Sink, alert, documents, provider, secret

# Example A of §3.1, as the reference writes it: the body the generic provider
# must send for INPUT_A below with an Alert carrying eventMetadata {env: prod}.
EXPECTED_A = (
    b'{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps",'
    b'"uid":"7d0cdc51-ddcf-4743-b223-83ca5c699632","apiVersion":"kustomize.toolkit.fluxcd.io/v1"},'
    b'"severity":"info","timestamp":"2024-05-01T10:00:00Z",'
    b'"message":"Reconciliation finished in 1.5s, next run in 10m0s","reason":"ReconciliationSucceeded",'
    b'"metadata":{"commit_status":"update","env":"prod",'
    b'"revision":"main@sha1:69b59063470310ebbd88a9156325322a124e55a3"},'
    b'"reportingController":"kustomize-controller","reportingInstance":"kustomize-controller-7c7b47f5f-8bhrp"}'
)

# What the controller sends: other member order, whitespace, a fractional
# timestamp with an offset, prefixed metadata keys, a token (dropped) and a
# checksum (dropped) - none of which may show in the forwarded body.
INPUT_A = b'''{
  "reportingInstance": "kustomize-controller-7c7b47f5f-8bhrp",
  "reportingController": "kustomize-controller",
  "metadata": {
    "kustomize.toolkit.fluxcd.io/token": "tok-123",
    "kustomize.toolkit.fluxcd.io/revision": "main@sha1:69b59063470310ebbd88a9156325322a124e55a3",
    "kustomize.toolkit.fluxcd.io/commit_status": "update",
    "kustomize.toolkit.fluxcd.io/checksum": "deadbeef"
  },
  "reason": "ReconciliationSucceeded",
  "message": "Reconciliation finished in 1.5s, next run in 10m0s",
  "timestamp": "2024-05-01T12:00:00.731+02:00",
  "severity": "info",
  "involvedObject": {
    "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
    "uid": "7d0cdc51-ddcf-4743-b223-83ca5c699632",
    "name": "apps",
    "namespace": "flux-system",
    "kind": "Kustomization"
  }
}'''

# §3.2 composed vector: the body for INPUT_HMAC with an Alert summary
# "prod-eu", key s3cr3t -> this signature.
EXPECTED_HMAC_BODY = (
    b'{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps",'
    b'"uid":"7d0cdc51-ddcf-4743-b223-83ca5c699632","apiVersion":"kustomize.toolkit.fluxcd.io/v1"},'
    b'"severity":"error","timestamp":"2024-05-01T10:00:00Z","message":"Health check failed after 5m0s",'
    b'"reason":"HealthCheckFailed","metadata":{"revision":"main@sha1:69b59063470310ebbd88a9156325322a124e55a3",'
    b'"summary":"prod-eu"},"reportingController":"kustomize-controller",'
    b'"reportingInstance":"kustomize-controller-7c7b47f5f-8bhrp"}'
)
EXPECTED_HMAC_SIGNATURE = "sha256=6f6a2b5e655024440532fad194992408d6b00f2677fad557159ddc1781509c11"
INPUT_HMAC = (
    b'{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps",'
    b'"uid":"7d0cdc51-ddcf-4743-b223-83ca5c699632","apiVersion":"kustomize.toolkit.fluxcd.io/v1"},'
    b'"severity":"error","timestamp":"2024-05-01T10:00:00Z","message":"Health check failed after 5m0s",'
    b'"reason":"HealthCheckFailed","metadata":{"kustomize.toolkit.fluxcd.io/revision":'
    b'"main@sha1:69b59063470310ebbd88a9156325322a124e55a3"},"reportingController":"kustomize-controller",'
    b'"reportingInstance":"kustomize-controller-7c7b47f5f-8bhrp"}'
)

# Example B of §3.1: v1beta1-era unprefixed keys pass through unchanged.
EXPECTED_B = (
    b'{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps",'
    b'"uid":"cc4d0095-83f4-4f08-98f2-d2e9f3731fb9","apiVersion":"kustomize.toolkit.fluxcd.io/v1beta1",'
    b'"resourceVersion":"56921"},"severity":"info","timestamp":"2021-10-20T08:00:00Z",'
    b'"message":"Reconciliation finished in 2.084434647s, next run in 10m0s","reason":"ReconciliationSucceeded",'
    b'"metadata":{"commit_status":"update","revision":"main/731f7eaddfb6af01cb2173e18f0f75b0ba780ef1"},'
    b'"reportingController":"kustomize-controller","reportingInstance":"kustomize-controller-7c7b47f5f-8bhrp"}'
)


def headers_named(rec, name):
    return [v for k, v in rec.headers if k.lower() == name.lower()]


class GenericBytesTest(unittest.TestCase):
    def setUp(self):
        self.sink = Sink(default=200)
        self.addCleanup(self.sink.close)

    def start(self, manifests, secrets=None):
        h = Herald(manifests, secrets=secrets)
        self.addCleanup(h.close)
        return h

    def test_generic_posts_example_a_byte_for_byte_with_its_headers(self):
        h = self.start({"c.yaml": documents(
            provider("hook", address=self.sink.url("/generic?team=a&x=%2F")),
            alert("all", "hook", event_metadata={"env": "prod"}))})
        self.assertEqual(h.post_event(INPUT_A)[0], 202)
        rec = self.sink.wait_for(1)[0]
        self.assertEqual(rec.method, "POST")
        self.assertEqual(rec.target, "/generic?team=a&x=%2F")
        self.assertEqual(rec.body, EXPECTED_A)
        self.assertEqual(headers_named(rec, "Content-Type"), ["application/json"])
        self.assertEqual(headers_named(rec, "Gotk-Component"), ["kustomize-controller"])
        self.assertEqual(headers_named(rec, "X-Signature"), [])
        self.assertEqual(rec.header("Content-Length"), str(len(EXPECTED_A)))
        self.assertNotIn(b"tok-123", rec.body)
        h.wait_delivery("done")

    def test_generic_passes_unprefixed_v1beta1_metadata_through(self):
        h = self.start({"c.yaml": documents(provider("hook", address=self.sink.url()), alert("all", "hook"))})
        body = (b'{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps",'
                b'"uid":"cc4d0095-83f4-4f08-98f2-d2e9f3731fb9","apiVersion":"kustomize.toolkit.fluxcd.io/v1beta1",'
                b'"resourceVersion":"56921"},"severity":"info","timestamp":"2021-10-20T08:00:00Z",'
                b'"message":"Reconciliation finished in 2.084434647s, next run in 10m0s",'
                b'"reason":"ReconciliationSucceeded","metadata":{"revision":'
                b'"main/731f7eaddfb6af01cb2173e18f0f75b0ba780ef1","commit_status":"update"},'
                b'"reportingController":"kustomize-controller","reportingInstance":"kustomize-controller-7c7b47f5f-8bhrp"}')
        self.assertEqual(h.post_event(body)[0], 202)
        self.assertEqual(self.sink.wait_for(1)[0].body, EXPECTED_B)

    def test_metadata_left_empty_after_cleaning_is_left_out_example_c(self):
        h = self.start({"c.yaml": documents(provider("hook", address=self.sink.url()),
                                            alert("all", "hook", sources=(("HelmRelease", "*", "apps"),)))})
        body = (b'{"involvedObject":{"kind":"HelmRelease","namespace":"apps","name":"podinfo",'
                b'"uid":"4b1f3c2e-0000-4000-8000-000000000001","apiVersion":"helm.toolkit.fluxcd.io/v2"},'
                b'"severity":"error","timestamp":"2024-05-01T10:05:00Z",'
                b'"message":"Helm install failed: timed out waiting for the condition","reason":"InstallFailed",'
                b'"metadata":{"helm.toolkit.fluxcd.io/token":"t-1","helm.toolkit.fluxcd.io/checksum":"c",'
                b'"helm.toolkit.fluxcd.io/digest":"sha256:d","other.example.io/revision":"x"},'
                b'"reportingController":"helm-controller","reportingInstance":"helm-controller-5d9c8b7f6-abcde"}')
        expected = (b'{"involvedObject":{"kind":"HelmRelease","namespace":"apps","name":"podinfo",'
                    b'"uid":"4b1f3c2e-0000-4000-8000-000000000001","apiVersion":"helm.toolkit.fluxcd.io/v2"},'
                    b'"severity":"error","timestamp":"2024-05-01T10:05:00Z",'
                    b'"message":"Helm install failed: timed out waiting for the condition","reason":"InstallFailed",'
                    b'"reportingController":"helm-controller","reportingInstance":"helm-controller-5d9c8b7f6-abcde"}')
        self.assertEqual(h.post_event(body)[0], 202)
        rec = self.sink.wait_for(1)[0]
        self.assertEqual(rec.body, expected)
        self.assertEqual(headers_named(rec, "Gotk-Component"), ["helm-controller"])

    def test_a_secret_header_can_override_gotk_component(self):
        h = self.start({"c.yaml": documents(provider("hook", address=self.sink.url(), secret="h"),
                                            secret("h", {"headers": "Gotk-Component: custom-component\n"}),
                                            alert("all", "hook"))})
        self.assertEqual(h.post_event(INPUT_A)[0], 202)
        rec = self.sink.wait_for(1)[0]
        self.assertEqual(headers_named(rec, "Gotk-Component"), ["custom-component"])

    def test_generic_escapes_html_characters_like_go(self):
        h = self.start({"c.yaml": documents(provider("hook", address=self.sink.url()), alert("all", "hook"))})
        ev = (b'{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps"},'
              b'"severity":"info","timestamp":"2024-05-01T10:00:00Z","message":"a<b>&c \\u00e9 \\u2028",'
              b'"reason":"R","reportingController":""}')
        self.assertEqual(h.post_event(ev)[0], 202)
        expected = ('{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps"},'
                    '"severity":"info","timestamp":"2024-05-01T10:00:00Z",'
                    '"message":"a\\u003cb\\u003e\\u0026c \u00e9 \\u2028","reason":"R","reportingController":""}'
                    ).encode()
        rec = self.sink.wait_for(1)[0]
        self.assertEqual(rec.body, expected)
        self.assertEqual(headers_named(rec, "Gotk-Component"), [""])

    def test_missing_members_invalid_utf8_and_unknown_fields_follow_go_rules(self):
        h = self.start({"c.yaml": documents(provider("hook", address=self.sink.url()), alert("all", "hook"))})
        head = b'{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps"},'
        inputs = [
            head + b'"message":"no time","reportingController":"x"}',
            head + b'"message":"bad \xff utf8","timestamp":null,"reportingController":"x","metadata":{}}',
            head + b'"message":"unknown fields","extra":{"a":[1,2]},"reportingController":"x"}',
        ]
        for body in inputs:
            self.assertEqual(h.post_event(body)[0], 202)
        tail = b'"reason":"","reportingController":"x"}'
        expected = {
            head + b'"severity":"","timestamp":null,"message":"no time",' + tail,
            head + b'"severity":"","timestamp":null,"message":"bad \xef\xbf\xbd utf8",' + tail,
            head + b'"severity":"","timestamp":null,"message":"unknown fields",' + tail,
        }
        self.assertEqual({r.body for r in self.sink.wait_for(3)}, expected)

    def test_generic_hmac_signs_the_exact_body_with_the_secret_token(self):
        token = "s3cr3t"
        h = self.start({"c.yaml": documents(
            provider("signed", type_="generic-hmac", address=self.sink.url("/signed"), secret="hmac"),
            secret("hmac", {"token": token}),
            alert("errors", "signed", severity="error", summary="prod-eu"))})
        self.assertEqual(h.post_event(INPUT_HMAC)[0], 202)
        rec = self.sink.wait_for(1)[0]
        self.assertEqual(rec.body, EXPECTED_HMAC_BODY)
        mac = hmac.new(token.encode(), rec.body, hashlib.sha256).hexdigest()
        self.assertEqual(headers_named(rec, "X-Signature"), ["sha256=" + mac])
        self.assertEqual(headers_named(rec, "X-Signature"), [EXPECTED_HMAC_SIGNATURE])
        self.assertEqual(headers_named(rec, "Gotk-Component"), ["kustomize-controller"])
        self.assertEqual(headers_named(rec, "Content-Type"), ["application/json"])

    def test_secret_headers_are_added_and_hmac_overrides_a_user_signature(self):
        token = "7152fed34dd6149a7c75a276c510da27cb6f82b0"
        headers_yaml = "X-Team: platform\nAuthorization: Bearer hdr-secret-42\nX-Signature: user-value\n"
        h = self.start({"c.yaml": documents(
            provider("plain", address=self.sink.url("/plain"), secret="plain-headers"),
            provider("signed", type_="generic-hmac", address=self.sink.url("/signed"), secret="signed-headers"),
            secret("plain-headers", {"headers": headers_yaml}),
            secret("signed-headers", {"headers": headers_yaml, "token": token}, base64_data=False),
            alert("to-plain", "plain"), alert("to-signed", "signed"))})
        self.assertEqual(h.post_event(INPUT_A)[0], 202)
        recs = {r.target: r for r in self.sink.wait_for(2)}
        plain, signed = recs["/plain"], recs["/signed"]
        for rec in (plain, signed):
            self.assertEqual(headers_named(rec, "X-Team"), ["platform"])
            self.assertEqual(headers_named(rec, "Authorization"), ["Bearer hdr-secret-42"])
            self.assertEqual(headers_named(rec, "Content-Type"), ["application/json"])
        # plain generic sends the user's X-Signature unchanged
        self.assertEqual(headers_named(plain, "X-Signature"), ["user-value"])
        mac = hmac.new(token.encode(), signed.body, hashlib.sha256).hexdigest()
        self.assertEqual(headers_named(signed, "X-Signature"), ["sha256=" + mac])
        # secrets stay out of logs and the status API
        h.wait_delivery("done", count=2)
        api = h.get_admin("/api/v1/deliveries")[2].decode()
        for text in (h.log(), api, h.get_admin("/metrics")[2].decode()):
            self.assertNotIn("hdr-secret-42", text)
            self.assertNotIn(token, text)

    def test_a_receiver_echoing_secrets_in_its_error_does_not_leak_them(self):
        token = "echoed-token-31337"
        self.sink.set_responses([Response(400, {"Content-Type": "text/plain"},
                                          f"invalid signature for key {token}; auth Bearer echoed-hdr-999")])
        h = self.start({"c.yaml": documents(
            provider("signed", type_="generic-hmac", address=self.sink.url("/echo"), secret="s"),
            secret("s", {"token": token, "headers": "Authorization: Bearer echoed-hdr-999\n"}),
            alert("all", "signed"))})
        self.assertEqual(h.post_event(INPUT_A)[0], 202)
        dead = h.wait_delivery("dead")
        self.assertIn("400", dead[0]["lastError"])
        outputs = {"lastError": dead[0]["lastError"], "log": h.log(),
                   "api": h.get_admin(f"/api/v1/deliveries/{dead[0]['id']}")[2].decode()}
        for where, text in outputs.items():
            self.assertNotIn(token, text, where)
            self.assertNotIn("echoed-hdr-999", text, where)

    def test_secret_manifest_address_overrides_spec_address(self):
        decoy = Sink(default=200)
        self.addCleanup(decoy.close)
        h = self.start({"c.yaml": documents(
            provider("hook", address=decoy.url("/decoy"), secret="hook-addr"),
            secret("hook-addr", {"address": self.sink.url("/from-secret-manifest")}),
            alert("all", "hook"))})
        self.assertEqual(h.post_event(INPUT_A)[0], 202)
        self.assertEqual(self.sink.wait_for(1)[0].target, "/from-secret-manifest")
        h.wait_delivery("done")
        self.assertEqual(decoy.received(), [])

    def test_mounted_secret_dir_gives_address_token_and_headers(self):
        decoy = Sink(default=200)
        self.addCleanup(decoy.close)
        token = "mounted-key-9f8e7d"
        h = self.start(
            {"c.yaml": documents(
                provider("signed", type_="generic-hmac", address=decoy.url("/decoy"), secret="mounted"),
                alert("all", "signed"))},
            secrets={("flux-system", "mounted"): {
                # a trailing newline, as files written by editors have
                "address": self.sink.url("/from-mounted-secret") + "\n",
                "token": token,
                "headers": "X-Mounted: yes\n"}})
        self.assertEqual(h.post_event(INPUT_A)[0], 202)
        rec = self.sink.wait_for(1)[0]
        self.assertEqual(rec.target, "/from-mounted-secret")
        mac = hmac.new(token.encode(), rec.body, hashlib.sha256).hexdigest()
        self.assertEqual(headers_named(rec, "X-Signature"), ["sha256=" + mac])
        self.assertEqual(headers_named(rec, "X-Mounted"), ["yes"])
        h.wait_delivery("done")
        self.assertEqual(decoy.received(), [])
        self.assertNotIn(token, h.log())
        self.assertNotIn("from-mounted-secret", h.log())
        self.assertNotIn("from-mounted-secret", h.get_admin("/api/v1/deliveries")[2].decode())


if __name__ == "__main__":
    unittest.main()
