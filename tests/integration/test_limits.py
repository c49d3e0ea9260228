"""Input limits at the intake (docs/OPERATIONS.md "Limits"): oversized or too
many headers, too many metadata entries, and a catastrophic exclusionList
pattern against a long message that must not stall the intake."""

import unittest

from harness import Herald, Sink, alert, documents, event, provider


class LimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink()
        cls.herald = Herald({"c.yaml": documents(
            provider("sink", address=cls.sink.url()),
            alert("sink", "sink", exclusion=["(a+)+$", "(x|xx)+y$"]))})

    @classmethod
    def tearDownClass(cls):
        cls.herald.close()
        cls.sink.close()

    def test_too_many_header_fields_is_400(self):
        headers = {f"X-Filler-{i}": "v" for i in range(150)}
        status, _, _ = self.herald.post_event(event(message="many headers"), headers=headers)
        self.assertEqual(status, 400)

    def test_an_oversized_header_value_is_400(self):
        status, _, _ = self.herald.post_event(event(message="big header"), headers={"X-Big": "v" * 9000})
        self.assertEqual(status, 400)

    def test_an_oversized_request_uri_is_400(self):
        status, _, _ = self.herald.post_event(event(message="long uri"), path="/" + "u" * 17000)
        self.assertEqual(status, 400)

    def test_more_than_1000_metadata_entries_is_400_with_the_reason(self):
        md = {f"kustomize.toolkit.fluxcd.io/k{i}": "v" for i in range(1001)}
        status, _, body = self.herald.post_event(event(message="big metadata", metadata=md))
        self.assertEqual(status, 400)
        self.assertIn(b"metadata has 1001 entries", body)
        self.assertIn("metadata has 1001 entries", self.herald.log())
        md.popitem()
        status, _, _ = self.herald.post_event(event(message="metadata at the limit", metadata=md))
        self.assertEqual(status, 202)

    def test_a_catastrophic_exclusion_pattern_does_not_stall_the_intake(self):
        # (a+)+$ against runs of 'a' broken by 'b': exponential per start
        # position; herald bounds the whole search, not each position.
        # Unbounded, this request takes hours; the generous client timeout
        # (sanitizer builds, loaded CI) turns a stall into a failure.
        message = ("a" * 18 + "b") * 20000  # 380 KB
        status, _, _ = self.herald.post_event(event(message=message, name="regex"), timeout=90)
        self.assertEqual(status, 202)


if __name__ == "__main__":
    unittest.main()
