"""Signatures: Smartcar's documented test vectors."""

from smartcar_simulator import hash_challenge, sign_body


def test_delivery_signature_matches_smartcars_vector() -> None:
    assert (
        sign_body("amt", b'{"pizza":"pasta"}')
        == "4c05a8da471f05156ad717baa4017acd13a3a809850b9ca7d3301dcaaa854f70"
    )


def test_verify_answer_matches_smartcars_vector() -> None:
    assert (
        hash_challenge("amt", "challenge")
        == "9baf5a7464bd86740ad5a06e439dcf535a075022ed2c92d74efacf646d79328e"
    )
