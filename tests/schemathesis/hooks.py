"""newsgraph's contract for schemathesis: GraphQL errors are designed answers when they carry
one of the documented `extensions.code`s (BAD_USER_INPUT, NOT_FOUND, UNAUTHENTICATED, ...);
an error without a code, an INTERNAL error (an unexpected failure) or a 5xx other than the
designed 503/504 is a bug. Loaded with SCHEMATHESIS_HOOKS=hooks (tests/api/schemathesis.rs)."""
import schemathesis

DESIGNED = {
    "BAD_USER_INPUT", "NOT_FOUND", "CONFLICT", "UNAUTHENTICATED", "SERVICE_UNAVAILABLE",
    "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED", "QUERY_TOO_DEEP", "QUERY_TOO_COMPLEX",
    "TOO_MANY_ALIASES", "AMBIGUOUS", "TOO_MANY_DIRECTIVES", "QUERY_TOO_LARGE", "TIMEOUT", "RATE_LIMITED",
}


@schemathesis.check
def newsgraph_designed_errors(ctx, response, case):
    if response.status_code >= 500 and response.status_code not in (503, 504):
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:500]}")
    try:
        body = response.json()
    except Exception as e:  # noqa: BLE001 - any non-JSON answer is a failure
        raise AssertionError(f"not JSON: {e}: {response.text[:500]}")
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code not in DESIGNED:
            raise AssertionError(f"undesigned error (code {code!r}): {error}")
