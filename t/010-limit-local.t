# Rate limits in shared memory (backend=local): GCRA with burst, DRF's 429,
# the organization as the bucket, the personal workspace by credential,
# key=$variable, operations=, tiers, dry run, refunds, eviction.

use Test::Nginx::Socket 'no_plan';

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    # "(continued)": the same nginx, its zones as the previous block left them
    my $continued = $block->name =~ /\(continued\)$/;

    # valgrind runs restart nginx for every block: nothing to continue
    if ($continued) {
        $block->set_value("skip_eval", '1: $ENV{TEST_NGINX_USE_VALGRIND}');
    }

    if (!defined $block->http_config && !$continued) {
        $block->set_value("http_config", <<'_EOC_');
    lambda_limit_zone  jobs:64k   rate=1r/m burst=2;
    lambda_limit_zone  calls:64k  rate=2r/m;
    lambda_limit_org   jobs big   rate=2r/m burst=4;
    lambda_limit_org   jobs org_id:7 rate=1r/m burst=0;
_EOC_
    }

    if (!defined $block->config && !$continued) {
        $block->set_value("config", <<'_EOC_');
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   jobs operations=create_requests,retrieve_requests;
        add_header X-Limit "[$lambda_limit_status] [$lambda_limit_remaining]" always;
        add_header X-Reason "[$lambda_reject_reason]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream $request_method $request_uri\n";
    }
_EOC_
    }

    if (!defined $block->more_headers && !defined $block->raw_request) {
        $block->set_value("more_headers", "Authorization: Token abc\n");
    }

    if (!defined $block->no_error_log) {
        $block->set_value("no_error_log", "[alert]\n[crit]\n[emerg]\n[error]\n");
    }
});

run_tests();

__DATA__

=== TEST 1: one request and the burst pass
--- request eval
["GET /api/lambda/requests/1?org=acme",
 "GET /api/lambda/requests/2?org=acme",
 "GET /api/lambda/requests/3?org=acme"]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Limit: [PASSED] [2]", "X-Limit: [PASSED] [1]", "X-Limit: [PASSED] [0]"]
--- response_body eval
["upstream GET /mock/requests/1?org=acme\n",
 "upstream GET /mock/requests/2?org=acme\n",
 "upstream GET /mock/requests/3?org=acme\n"]



=== TEST 1: the next one is DRF's 429 (continued)
--- request
GET /api/lambda/requests/4?org=acme
--- error_code: 429
--- response_headers
X-Limit: [REJECTED] [0]
Retry-After: 60
Content-Type: application/vnd.cvat+json
X-Reason: [rate_limit]
RateLimit-Policy: "jobs";q=3;w=180;pk=:YWNtZQ==:
RateLimit: "jobs";r=0;t=60;pk=:YWNtZQ==:
--- response_body chomp
{"detail":"Request was throttled. Expected available in 60 seconds."}
--- error_log
lambda limit "jobs" exceeded by "acme"
lambda gateway rejected "retrieve_requests" with 429, reason "rate_limit"



=== TEST 2: X-Organization and org= are one bucket
--- request eval
["GET /api/lambda/requests/1?org=same",
 "GET /api/lambda/requests/2",
 "GET /api/lambda/requests/3?org=same",
 "GET /api/lambda/requests/4"]
--- more_headers eval
["Authorization: Token abc",
 "Authorization: Token other\nX-Organization: same",
 "Authorization: Token abc",
 "Authorization: Token third\nX-Organization: same"]
--- error_code eval
[200, 200, 200, 429]



=== TEST 3: organizations have their own buckets
--- request eval
["GET /api/lambda/requests/1?org=one",
 "GET /api/lambda/requests/2?org=one",
 "GET /api/lambda/requests/3?org=one",
 "GET /api/lambda/requests/4?org=one",
 "GET /api/lambda/requests/5?org=two",
 "GET /api/lambda/requests/6?org_id=3",
 "GET /api/lambda/requests/7?org=one"]
--- error_code eval
[200, 200, 200, 429, 200, 200, 429]



=== TEST 4: the personal workspace is keyed by the credential
--- request eval
["GET /api/lambda/requests/1", "GET /api/lambda/requests/2",
 "GET /api/lambda/requests/3", "GET /api/lambda/requests/5",
 "GET /api/lambda/requests/6?sign=s1", "GET /api/lambda/requests/7"]
--- more_headers eval
["Authorization: Token u1", "Authorization: Token u1",
 "Authorization: Token u1", "Authorization: Token u2", "",
 "Cookie: sessionid=u1"]
--- error_code eval
[200, 200, 200, 200, 200, 200]



=== TEST 4: the bucket is a hash of the credential (continued)
--- request
GET /api/lambda/requests/4
--- more_headers
Authorization: Token u1
--- error_code: 429
--- error_log eval
qr/lambda limit "jobs" exceeded by "user:[0-9a-f]{32}"/



=== TEST 5: operations= restricts a limit; other operations are BYPASS
--- request eval
["POST /api/lambda/requests?org=ops\n{\"function\":\"f\",\"task\":1}",
 "POST /api/lambda/requests?org=ops\n{\"function\":\"f\",\"task\":1}",
 "GET /api/lambda/requests/1?org=ops",
 "DELETE /api/lambda/requests/1?org=ops",
 "GET /api/lambda/functions?org=ops",
 "GET /api/lambda/requests/2?org=ops"]
--- more_headers
Authorization: Token abc
Content-Type: application/json
--- error_code eval
[200, 200, 200, 200, 200, 429]
--- response_headers eval
["X-Limit: [PASSED] [2]", "X-Limit: [PASSED] [1]", "X-Limit: [PASSED] [0]",
 "X-Limit: [BYPASS] []\n!RateLimit", "X-Limit: [BYPASS] []",
 "X-Limit: [REJECTED] [0]"]



=== TEST 6: calls the gateway rejects cost nothing
--- request eval
["GET /api/lambda/requests/1?org=free",
 "GET /api/lambda/requests/1?org=free&org_id=1",
 "POST /api/lambda/requests?org=free\n{\"task\":\"x\"}",
 "POST /api/lambda/requests?org=free\nnot json",
 "GET /api/lambda/requests/2?org=free",
 "GET /api/lambda/requests/3?org=free",
 "GET /api/lambda/requests/4?org=free"]
--- more_headers eval
["", "Authorization: Token a", "Authorization: Token a\nContent-Type: application/json",
 "Authorization: Token a\nContent-Type: application/json",
 "Authorization: Token a", "Authorization: Token a", "Authorization: Token a"]
--- error_code eval
[401, 400, 400, 400, 200, 200, 200]
--- response_headers eval
["X-Limit: [] []", "X-Limit: [] []", "X-Limit: [] []", "X-Limit: [] []",
 "X-Limit: [PASSED] [2]", "X-Limit: [PASSED] [1]", "X-Limit: [PASSED] [0]"]



=== TEST 7: a per-organization tier
--- request eval
["GET /api/lambda/requests/1?org=big", "GET /api/lambda/requests/1?org=big",
 "GET /api/lambda/requests/1?org=big", "GET /api/lambda/requests/1?org=big",
 "GET /api/lambda/requests/1?org=big", "GET /api/lambda/requests/1?org=big",
 "GET /api/lambda/requests/1?org_id=7", "GET /api/lambda/requests/1?org_id=7"]
--- error_code eval
[200, 200, 200, 200, 200, 429, 200, 429]
--- response_headers eval
["RateLimit-Policy: \"jobs\";q=5;w=150;pk=:Ymln:\nRateLimit: \"jobs\";r=4;t=30;pk=:Ymln:",
 "", "", "", "RateLimit: \"jobs\";r=0;t=30;pk=:Ymln:",
 "Retry-After: 30", "RateLimit-Policy: \"jobs\";q=1;w=60;pk=:b3JnX2lkOjc=:",
 "Retry-After: 60\nRateLimit: \"jobs\";r=0;t=60;pk=:b3JnX2lkOjc=:"]



=== TEST 8: key=$variable replaces the identity; an empty key skips
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   calls key=$http_x_client;
        add_header X-Limit "[$lambda_limit_status] [$lambda_limit_remaining]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request eval
["GET /api/lambda/functions?org=k", "GET /api/lambda/functions?org=l",
 "GET /api/lambda/functions?org=m", "GET /api/lambda/functions",
 "GET /api/lambda/functions", "GET /api/lambda/functions"]
--- more_headers eval
["Authorization: Token a\nX-Client: c1", "Authorization: Token b\nX-Client: c1",
 "Authorization: Token c\nX-Client: c2", "Authorization: Token d",
 "Authorization: Token d", "Authorization: Token d\nX-Client: c1"]
--- error_code eval
[200, 429, 200, 200, 200, 429]
--- response_headers eval
["X-Limit: [PASSED] [0]\nRateLimit-Policy: \"calls\";q=1;w=30\nRateLimit: \"calls\";r=0;t=30",
 "X-Limit: [REJECTED] [0]", "X-Limit: [PASSED] [0]",
 "X-Limit: [BYPASS] []\n!RateLimit", "X-Limit: [BYPASS] []", "X-Limit: [REJECTED] [0]"]



=== TEST 8: the key is hashed (continued)
--- request
GET /api/lambda/functions
--- more_headers
Authorization: Token e
X-Client: c2
--- error_code: 429
--- error_log eval
qr/lambda limit "calls" exceeded by "key:[0-9a-f]{32}"/



=== TEST 9: dry run: logged and marked, never rejected
--- config
    location /api/lambda/ {
        lambda_gateway       on;
        lambda_limit         calls;
        lambda_limit_dry_run on;
        add_header X-Limit "[$lambda_limit_status] [$lambda_limit_remaining]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request
GET /api/lambda/functions?org=dry
--- error_code: 200
--- response_headers
X-Limit: [PASSED] [0]



=== TEST 9: over the limit in a dry run (continued)
--- request eval
["GET /api/lambda/functions?org=dry", "GET /api/lambda/functions?org=dry"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Limit: [REJECTED_DRY_RUN] [0]\n!Retry-After",
 "X-Limit: [REJECTED_DRY_RUN] [0]\n!Retry-After"]
--- error_log
lambda limit "calls" exceeded by "dry", dry run



=== TEST 10: CVAT answering 401 or 403 refunds the charge
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   calls;
        add_header X-Limit "[$lambda_limit_status] [$lambda_limit_remaining]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        if ($arg_deny = 401) {
            return 401 '{"detail":"Invalid token."}';
        }

        if ($arg_deny = 403) {
            return 403 '{"detail":"You do not have permission."}';
        }

        return 200 "upstream\n";
    }
--- request eval
["GET /api/lambda/functions?org=r&deny=403",
 "GET /api/lambda/functions?org=r&deny=401",
 "GET /api/lambda/functions?org=r&deny=403",
 "GET /api/lambda/functions?org=r",
 "GET /api/lambda/functions?org=r&deny=403",
 "GET /api/lambda/functions?org=r"]
--- error_code eval
[403, 401, 403, 200, 429, 429]



=== TEST 11: a key= limit is not refunded on 401: it is the flood guard
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   jobs;
        lambda_limit   calls key=$http_authorization;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 401 '{"detail":"Invalid token."}';
    }
--- request eval
["GET /api/lambda/functions?org=flood", "GET /api/lambda/functions?org=flood",
 "GET /api/lambda/functions?org=flood"]
--- more_headers eval
["Authorization: Token bad1", "Authorization: Token bad1",
 "Authorization: Token bad2"]
--- error_code eval
[401, 429, 401]
--- response_headers eval
["RateLimit: \"jobs\";r=3;t=0;pk=:Zmxvb2Q=:, \"calls\";r=0;t=30",
 "RateLimit: \"jobs\";r=3;t=0;pk=:Zmxvb2Q=:, \"calls\";r=0;t=30",
 "RateLimit: \"jobs\";r=3;t=0;pk=:Zmxvb2Q=:, \"calls\";r=0;t=30"]



=== TEST 12: lambda_limit_status and lambda_limit_headers off
--- config
    location /api/lambda/ {
        lambda_gateway       on;
        lambda_limit         calls;
        lambda_limit_status  503;
        lambda_limit_headers off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request eval
["GET /api/lambda/functions?org=st", "GET /api/lambda/functions?org=st"]
--- error_code eval
[200, 503]
--- response_headers eval
["!RateLimit\n!RateLimit-Policy", "!RateLimit\n!RateLimit-Policy\nRetry-After: 30"]
--- response_body eval
["upstream\n", '{"detail":"Request was throttled. Expected available in 30 seconds."}']



=== TEST 13: several limits: all are reported, one rejection refunds the others
--- http_config
    lambda_limit_zone  wide:64k   rate=60r/m burst=5;
    lambda_limit_zone  narrow:64k rate=1r/m;
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   wide;
        lambda_limit   narrow key=$http_x_client;
        add_header X-Limit "[$lambda_limit_status] [$lambda_limit_remaining]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request eval
["GET /api/lambda/functions?org=multi", "GET /api/lambda/functions?org=multi",
 "GET /api/lambda/functions?org=multi", "GET /api/lambda/functions?org=multi"]
--- more_headers eval
["Authorization: Token a\nX-Client: one", "Authorization: Token a\nX-Client: one",
 "Authorization: Token a\nX-Client: one", "Authorization: Token a\nX-Client: two"]
--- error_code eval
[200, 429, 429, 200]
--- response_headers eval
["RateLimit-Policy: \"wide\";q=6;w=6;pk=:bXVsdGk=:, \"narrow\";q=1;w=60\nRateLimit: \"wide\";r=5;t=1;pk=:bXVsdGk=:, \"narrow\";r=0;t=60",
 "RateLimit: \"wide\";r=5;t=1;pk=:bXVsdGk=:, \"narrow\";r=0;t=60",
 "RateLimit: \"wide\";r=5;t=1;pk=:bXVsdGk=:, \"narrow\";r=0;t=60",
 "RateLimit: \"wide\";r=4;t=1;pk=:bXVsdGk=:, \"narrow\";r=0;t=60"]



=== TEST 14: a full zone evicts, it never fails
--- http_config
    lambda_limit_zone  tiny:32k rate=1r/m;
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   tiny key=$arg_k;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request eval
[map { "GET /api/lambda/functions?k=$_" } 1 .. 600]
--- error_code eval
[(200) x 600]
--- no_error_log
[alert]
[crit]
could not allocate



=== TEST 15: anonymous calls share one bucket when credentials are optional
--- config
    location /api/lambda/ {
        lambda_gateway             on;
        lambda_require_credentials off;
        lambda_limit               calls;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request
GET /api/lambda/functions
--- more_headers
--- error_code: 200



=== TEST 15: the second one is rejected (continued)
--- request
GET /api/lambda/functions
--- more_headers
--- error_code: 429
--- error_log
exceeded by "user:anonymous"
