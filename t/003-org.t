# The organization context (contract 5): X-Organization, org and org_id,
# CVAT's two conflicts, the personal workspace, $lambda_org.

use Test::Nginx::Socket 'no_plan';

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /api/lambda/ {
        lambda_gateway on;
        add_header X-Org "[$lambda_org]" always;
        add_header X-Reason "[$lambda_reject_reason]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        return 200 "upstream $request_method $request_uri\n";
    }
_EOC_
    }

    if (!defined $block->more_headers) {
        $block->set_value("more_headers", "Authorization: Token abc\n");
    }

    if (!defined $block->no_error_log) {
        $block->set_value("no_error_log", "[alert]\n[crit]\n[emerg]\n");
    }
});

run_tests();

__DATA__

=== TEST 1: org argument
--- request
GET /api/lambda/functions?org=acme
--- error_code: 200
--- response_headers
X-Org: [acme]



=== TEST 2: X-Organization header gives the same identity
--- request
GET /api/lambda/functions
--- more_headers
Authorization: Token abc
X-Organization: acme
--- error_code: 200
--- response_headers
X-Org: [acme]



=== TEST 3: org and X-Organization with the same value are fine
--- request
GET /api/lambda/functions?org=acme
--- more_headers
Authorization: Token abc
X-Organization: acme
--- error_code: 200
--- response_headers
X-Org: [acme]



=== TEST 4: org and X-Organization that differ: CVAT's 400
--- request
GET /api/lambda/functions?org=acme
--- more_headers
Authorization: Token abc
X-Organization: other
--- error_code: 400
--- response_headers
Content-Type: application/vnd.cvat+json
X-Reason: [organization]
--- response_body chomp
["You cannot specify \"org\" query parameter and \"X-Organization\" HTTP header with different values."]
--- error_log
lambda gateway rejected "list_functions" with 400, reason "organization"



=== TEST 5: the comparison is exact (case-sensitive)
--- request
GET /api/lambda/functions?org=Acme
--- more_headers
Authorization: Token abc
X-Organization: acme
--- error_code: 400



=== TEST 6: org_id with org: conflict 1
--- request
GET /api/lambda/requests?org=acme&org_id=3
--- error_code: 400
--- response_body chomp
["You cannot specify \"org_id\" query parameter with \"org\" query parameter or \"X-Organization\" HTTP header at the same time."]



=== TEST 7: org_id with X-Organization: conflict 1
--- request
GET /api/lambda/requests?org_id=3
--- more_headers
Authorization: Token abc
X-Organization: acme
--- error_code: 400
--- response_body chomp
["You cannot specify \"org_id\" query parameter with \"org\" query parameter or \"X-Organization\" HTTP header at the same time."]



=== TEST 8: conflict 1 holds even when both are empty
--- request
GET /api/lambda/requests?org=&org_id=
--- error_code: 400
--- response_body chomp
["You cannot specify \"org_id\" query parameter with \"org\" query parameter or \"X-Organization\" HTTP header at the same time."]



=== TEST 9: org_id alone
--- request
GET /api/lambda/requests?org_id=42
--- error_code: 200
--- response_headers
X-Org: [org_id:42]



=== TEST 10: org_id is read as Python's int(): spaces, sign, zeros
--- request
GET /api/lambda/requests?org_id=+%2007%20
--- error_code: 200
--- response_headers
X-Org: [org_id:7]



=== TEST 11: a non-integer org_id is a clear 400 (CVAT would fail with 500)
--- request
GET /api/lambda/requests?org_id=abc
--- error_code: 400
--- response_body chomp
{"org_id":["A valid integer is required."]}



=== TEST 12: empty org means the personal workspace
--- request
GET /api/lambda/functions?org=
--- error_code: 200
--- response_headers
X-Org: []



=== TEST 13: empty X-Organization means the personal workspace
--- request
GET /api/lambda/functions
--- more_headers
Authorization: Token abc
X-Organization:
--- error_code: 200
--- response_headers
X-Org: []



=== TEST 14: empty org_id means the personal workspace
--- request
GET /api/lambda/requests?org_id=
--- error_code: 200
--- response_headers
X-Org: []



=== TEST 15: the last org argument wins, as in Django's QueryDict
--- request
GET /api/lambda/functions?org=first&org=second
--- error_code: 200
--- response_headers
X-Org: [second]



=== TEST 16: org is percent-decoded before use
--- request
GET /api/lambda/functions?org=ac%6De
--- error_code: 200
--- response_headers
X-Org: [acme]



=== TEST 17: a slug no organization can have is CVAT's 404
--- request
GET /api/lambda/functions?org=no%20such!
--- error_code: 404
--- response_body chomp
{"detail":"no such! organization does not exist."}



=== TEST 18: a slug longer than 16 characters cannot exist either
--- request
GET /api/lambda/functions?org=abcdefghijklmnopq
--- error_code: 404
--- response_body chomp
{"detail":"abcdefghijklmnopq organization does not exist."}



=== TEST 19: invalid UTF-8 in a slug is replaced, as Django decodes it
--- request
GET /api/lambda/functions?org=a%FFb
--- error_code: 404
--- response_body chomp
{"detail":"a�b organization does not exist."}



=== TEST 20: X-Organization sent twice is refused
--- request
GET /api/lambda/functions
--- more_headers
Authorization: Token abc
X-Organization: acme
X-Organization: other
--- error_code: 400
--- response_body chomp
["You cannot specify the \"X-Organization\" HTTP header more than once."]



=== TEST 21: lambda_org_required refuses the personal workspace
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_org_required on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        return 200 "upstream $request_method $request_uri\n";
    }
--- request
GET /api/lambda/functions?org=
--- error_code: 400
--- response_body chomp
["An organization is required: specify the \"org\" or \"org_id\" query parameter or the \"X-Organization\" HTTP header."]



=== TEST 22: lambda_org_required passes a call with an organization
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_org_required on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        return 200 "upstream $request_method $request_uri\n";
    }
--- request
GET /api/lambda/functions?org=acme
--- error_code: 200
--- response_body
upstream GET /mock/api/lambda/functions?org=acme



=== TEST 23: the org checks come before the body checks
--- request
POST /api/lambda/requests?org=a&org_id=1
not json
--- more_headers
Authorization: Token abc
Content-Type: text/plain
--- error_code: 400
--- response_body chomp
["You cannot specify \"org_id\" query parameter with \"org\" query parameter or \"X-Organization\" HTTP header at the same time."]



=== TEST 24: org as a name without a value counts as present and empty
--- request
GET /api/lambda/requests?org&org_id=5
--- error_code: 400



=== TEST 25: a percent-encoded argument name is recognised
--- request
GET /api/lambda/requests?or%67=acme&org_id=5
--- error_code: 400



=== TEST 26: a long X-Organization is reported by its own first 256 bytes
--- request
GET /api/lambda/functions
--- more_headers eval
"Authorization: Token abc\nX-Organization: " . ("b" x 300) . "\n"
--- error_code: 404
--- response_body eval
'{"detail":"' . ("b" x 256) . ' organization does not exist."}'
