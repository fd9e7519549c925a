# The function-list cache (issue 4), items 2 and 7: what the key holds (the
# representation, the canonical organization, the scope and, by default,
# the credential), who may be served with scope=shared, and the checks a
# cached answer still goes through: credentials, the organization context
# and the limits.  The last request of a block shows CVAT's calls.

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib "$FindBin::Bin/lib";
use LambdaCacheTest;

no_shuffle();
cache_test_setup();
run_tests();

__DATA__

=== TEST 1: scope=credential: an entry is served to its credential only
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /api/lambda/functions", "GET /mock-calls"]
--- more_headers eval
["Authorization: Token aaa", "Authorization: Token bbb",
 "Authorization: Token aaa", "Authorization: Token bbb",
 "Authorization: Token  aaa", ""]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", "X-Cache-Status: HIT",
 "X-Cache-Status: HIT", "X-Cache-Status: MISS", ""]
--- response_body eval
[$LIST, $LIST, $LIST, $LIST, $LIST,
 mock_call("/mock/ok", auth => "Token aaa")
 . mock_call("/mock/ok", auth => "Token bbb")
 . mock_call("/mock/ok", auth => "Token  aaa")]



=== TEST 2: a sessionid cookie and a sign argument are credentials too
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /api/lambda/functions", "GET /api/lambda/functions?sign=s1",
 "GET /api/lambda/functions?sign=s1", "GET /api/lambda/functions?sign=s2",
 "GET /mock-calls"]
--- more_headers eval
["Cookie: sessionid=one; csrftoken=x", "Cookie: csrftoken=y; sessionid=one",
 "Cookie: sessionid=two", "", "", "", ""]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: HIT", "X-Cache-Status: MISS",
 "X-Cache-Status: MISS", "X-Cache-Status: HIT", "X-Cache-Status: MISS", ""]
--- response_body eval
[$LIST, $LIST, $LIST, $LIST, $LIST, $LIST,
 mock_call("/mock/ok", auth => "-") x 2
 . mock_call("/mock/ok?sign=s1", auth => "-")
 . mock_call("/mock/ok?sign=s2", auth => "-")]



=== TEST 3: the organization is keyed canonically
--- request eval
["GET /api/lambda/functions",
 "GET /api/lambda/functions?org=acme",
 "GET /api/lambda/functions",
 "GET /api/lambda/functions?org=acme&X=1",
 "GET /api/lambda/functions?org=other",
 "GET /api/lambda/functions?org=",
 "GET /api/lambda/functions?org_id=7",
 "GET /api/lambda/functions?org_id=07",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc", "Authorization: Token abc",
 "Authorization: Token abc\nX-Organization: acme",
 "Authorization: Token abc", "Authorization: Token abc",
 "Authorization: Token abc", "Authorization: Token abc",
 "Authorization: Token abc", ""]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", "X-Cache-Status: HIT",
 "X-Cache-Status: HIT", "X-Cache-Status: MISS", "X-Cache-Status: HIT",
 "X-Cache-Status: MISS", "X-Cache-Status: HIT", ""]
--- response_body eval
[$LIST, $LIST, $LIST, $LIST, $LIST, $LIST, $LIST, $LIST,
 mock_call("/mock/ok") . mock_call("/mock/ok?org=acme")
 . mock_call("/mock/ok?org=other") . mock_call("/mock/ok?org_id=7")]



=== TEST 4: each Accept value, a .json suffix and ?scheme=json have entries of their own
--- request eval
["GET /api/lambda/functions",
 "GET /api/lambda/functions",
 "GET /api/lambda/functions",
 "GET /api/lambda/functions.json",
 "GET /api/lambda/functions?scheme=json",
 "GET /api/lambda/functions",
 "GET /api/lambda/functions",
 "GET /api/lambda/functions.json",
 "GET /api/lambda/functions.json/",
 "GET /api/lambda/functions?scheme=json",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc",
 "Authorization: Token abc\nAccept: application/vnd.cvat+json",
 "Authorization: Token abc\nAccept: application/json, text/plain, */*",
 "Authorization: Token abc",
 "Authorization: Token abc",
 "Authorization: Token abc\nAccept: application/vnd.cvat+json",
 "Authorization: Token abc\nAccept: application/json, text/plain, */*",
 "Authorization: Token abc",
 "Authorization: Token abc",
 "Authorization: Token abc",
 ""]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", "X-Cache-Status: MISS",
 "X-Cache-Status: MISS", "X-Cache-Status: MISS", "X-Cache-Status: HIT",
 "X-Cache-Status: HIT", "X-Cache-Status: HIT", "X-Cache-Status: HIT",
 "X-Cache-Status: HIT", ""]
--- response_body eval
[$LIST, $LIST, $LIST, $LIST, $LIST, $LIST, $LIST, $LIST, $LIST, $LIST,
 mock_call("/mock/ok") x 4 . mock_call("/mock/ok?scheme=json")]



=== TEST 5: a request that may get HTML or another format bypasses the cache
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /api/lambda/functions?scheme=api", "GET /api/lambda/functions.api",
 "GET /api/lambda/functions", "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nAccept: text/html,application/xhtml+xml,*/*;q=0.8",
 "Authorization: Token abc\nAccept: text/html,application/xhtml+xml,*/*;q=0.8",
 "Authorization: Token abc", "Authorization: Token abc",
 "Authorization: Token abc", ""]
--- response_headers eval
["X-Cache-Status: BYPASS", "X-Cache-Status: BYPASS", "X-Cache-Status: BYPASS",
 "X-Cache-Status: BYPASS", "X-Cache-Status: MISS", ""]
--- response_body eval
[$LIST, $LIST, $LIST, $LIST, $LIST,
 mock_call("/mock/ok") x 2 . mock_call("/mock/ok?scheme=api")
 . mock_call("/mock/ok") x 2]



=== TEST 6: a cached list still needs credentials
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /api/lambda/functions", "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc", "", "Authorization:   ", ""]
--- error_code eval
[200, 401, 401, 200]
--- response_headers eval
["X-Cache-Status: MISS", "!X-Cache-Status", "!X-Cache-Status", ""]
--- response_body eval
[$LIST,
 '{"detail":"Authentication credentials were not provided."}',
 '{"detail":"Authentication credentials were not provided."}',
 mock_call("/mock/ok")]



=== TEST 7: a cached list still needs a valid organization context
--- request eval
["GET /api/lambda/functions?org=acme",
 "GET /api/lambda/functions?org=acme",
 "GET /api/lambda/functions?org=acme&org_id=3",
 "GET /api/lambda/functions?org=acme",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc", "Authorization: Token abc\nX-Organization: other",
 "Authorization: Token abc",
 "Authorization: Token abc\nX-Organization: acme\nX-Organization: acme", ""]
--- error_code eval
[200, 400, 400, 400, 200]
--- response_headers eval
["X-Cache-Status: MISS", "!X-Cache-Status", "!X-Cache-Status",
 "!X-Cache-Status", ""]
--- response_body eval
[$LIST,
 '["You cannot specify \"org\" query parameter and \"X-Organization\" HTTP header with different values."]',
 '["You cannot specify \"org_id\" query parameter with \"org\" query parameter or \"X-Organization\" HTTP header at the same time."]',
 '["You cannot specify the \"X-Organization\" HTTP header more than once."]',
 mock_call("/mock/ok?org=acme")]



=== TEST 8: a cached answer still counts against a limit on list_functions
--- http_extra
    lambda_limit_zone  l8:64k  rate=1r/m burst=2;
--- location_extra
        lambda_limit  l8 operations=list_functions;
--- request eval
["GET /api/lambda/functions?org=acme", "GET /api/lambda/functions?org=acme",
 "GET /api/lambda/functions?org=acme", "GET /api/lambda/functions?org=acme",
 "GET /api/lambda/functions?org=beta", "GET /mock-calls"]
--- error_code eval
[200, 200, 200, 429, 200, 200]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: HIT", "X-Cache-Status: HIT",
 "!X-Cache-Status", "X-Cache-Status: MISS", ""]
--- response_body eval
[$LIST, $LIST, $LIST,
 qr/^\{"detail":"Request was throttled\. Expected available in \d+ seconds?\."\}$/,
 $LIST,
 mock_call("/mock/ok?org=acme") . mock_call("/mock/ok?org=beta")]



=== TEST 9: scope=shared: one entry, served to credentials CVAT accepted
--- cache: ttl=30s scope=shared
--- request eval
["GET /api/lambda/functions?org=acme", "GET /api/lambda/functions?org=acme",
 "GET /api/lambda/functions?org=acme", "GET /api/lambda/functions?org=acme",
 "GET /api/lambda/functions?org=acme", "GET /mock-calls"]
--- more_headers eval
["Authorization: Token aaa", "Authorization: Token bbb",
 "Authorization: Token bbb", "Authorization: Token aaa",
 "Cookie: sessionid=ccc", ""]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", "X-Cache-Status: HIT",
 "X-Cache-Status: HIT", "X-Cache-Status: MISS", ""]
--- response_body eval
[$LIST, $LIST, $LIST, $LIST, $LIST,
 mock_call("/mock/ok?org=acme", auth => "Token aaa")
 . mock_call("/mock/ok?org=acme", auth => "Token bbb")
 . mock_call("/mock/ok?org=acme", auth => "-")]



=== TEST 10: scope=shared: a caller CVAT refuses is never served the list
--- cache: ttl=30s scope=shared
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /api/lambda/functions", "GET /mock-calls"]
--- more_headers eval
["Authorization: Token aaa",
 "Authorization: Token bad\nX-Mock: denied",
 "Authorization: Token bad\nX-Mock: denied",
 "Authorization: Token worker\nX-Mock: forbidden",
 "Authorization: Token aaa", ""]
--- error_code eval
[200, 401, 401, 403, 200, 200]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", "X-Cache-Status: MISS",
 "X-Cache-Status: MISS", "X-Cache-Status: HIT", ""]
--- response_body eval
[$LIST, '{"detail":"Invalid token."}', '{"detail":"Invalid token."}',
 '{"detail":"You do not have permission."}', $LIST,
 mock_call("/mock/ok", auth => "Token aaa")
 . mock_call("/mock/denied", auth => "Token bad") x 2
 . mock_call("/mock/forbidden", auth => "Token worker")]



=== TEST 11: scope=shared: only a 2xx makes a credential known
--- cache: ttl=30s scope=shared
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /api/lambda/functions", "GET /mock-calls"]
--- more_headers eval
["Authorization: Token aaa",
 "Authorization: Token bbb\nX-Mock: notfound",
 "Authorization: Token bbb\nX-Mock: denied",
 "Authorization: Token bbb",
 "Authorization: Token bbb", ""]
--- error_code eval
[200, 404, 401, 200, 200, 200]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", "X-Cache-Status: MISS",
 "X-Cache-Status: MISS", "X-Cache-Status: HIT", ""]
--- response_body eval
[$LIST, '{"detail":"Not found."}', '{"detail":"Invalid token."}', $LIST,
 $LIST,
 mock_call("/mock/ok", auth => "Token aaa")
 . mock_call("/mock/notfound", auth => "Token bbb")
 . mock_call("/mock/denied", auth => "Token bbb")
 . mock_call("/mock/ok", auth => "Token bbb")]



=== TEST 12: scope=shared: a credential is known per organization, for ttl
--- cache: ttl=1s stale=30s scope=shared
--- request eval
["GET /api/lambda/functions?org=acme", "GET /api/lambda/functions?org=beta",
 "GET /api/lambda/functions?org=acme", "GET /api/lambda/functions?org=acme",
 "GET /api/lambda/functions?org=acme", "GET /api/lambda/functions?org=beta",
 later(1.2, "GET /api/lambda/functions?org=acme"),
 "GET /api/lambda/functions?org=acme",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token aaa", "Authorization: Token aaa",
 "Authorization: Token aaa", "Authorization: Token bbb",
 "Authorization: Token bbb", "Authorization: Token bbb",
 "Authorization: Token bbb", "Authorization: Token aaa", ""]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", "X-Cache-Status: HIT",
 "X-Cache-Status: MISS", "X-Cache-Status: HIT", "X-Cache-Status: MISS",
 "X-Cache-Status: MISS", "X-Cache-Status: MISS", ""]
--- response_body eval
[$LIST, $LIST, $LIST, $LIST, $LIST, $LIST, $LIST, $LIST,
 mock_call("/mock/ok?org=acme", auth => "Token aaa")
 . mock_call("/mock/ok?org=beta", auth => "Token aaa")
 . mock_call("/mock/ok?org=acme", auth => "Token bbb")
 . mock_call("/mock/ok?org=beta", auth => "Token bbb")
 . mock_call("/mock/ok?org=acme", auth => "Token bbb")
 . mock_call("/mock/ok?org=acme", auth => "Token aaa")]
