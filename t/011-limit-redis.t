# Rate limits shared through a real Redis (backend=redis): the same GCRA as
# in shared memory, tiers, several limits in one pipelined batch, keys with
# a hash tag, refunds, dry run.  t/run-tests starts redis-server and exports
# TEST_NGINX_REDIS_PORT.

use Test::Nginx::Socket 'no_plan';

no_shuffle();

if (!$ENV{TEST_NGINX_REDIS_PORT}) {
    plan skip_all => 'TEST_NGINX_REDIS_PORT is not set (run with t/run-tests)';
}

# the keys of this run, apart from any other run on the same Redis
$ENV{TEST_NGINX_LIMIT_PREFIX} = "t011:$$:" . time() . ":";

# valgrind slows the first requests of a worker down
$ENV{TEST_NGINX_LIMIT_REDIS_TIMEOUT} =
    $ENV{TEST_NGINX_USE_VALGRIND} ? '3s' : '500ms';

add_block_preprocessor(sub {
    my $block = shift;

    my $continued = $block->name =~ /\(continued\)$/;

    # valgrind runs restart nginx for every block: nothing to continue
    if ($continued) {
        $block->set_value("skip_eval", '1: $ENV{TEST_NGINX_USE_VALGRIND}');
    }

    if (!defined $block->http_config && !$continued) {
        $block->set_value("http_config", <<'_EOC_');
    lambda_redis       127.0.0.1:$TEST_NGINX_REDIS_PORT
                       timeout=$TEST_NGINX_LIMIT_REDIS_TIMEOUT
                       prefix=$TEST_NGINX_LIMIT_PREFIX;
    lambda_limit_zone  jobs:64k  rate=1r/m burst=2 backend=redis;
    lambda_limit_zone  calls:64k rate=2r/m backend=redis;
    lambda_limit_zone  near:64k  rate=6r/m burst=1;
    lambda_limit_org   jobs big  rate=2r/m burst=4;
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
        if ($arg_deny) {
            return 403 '{"detail":"You do not have permission."}';
        }

        return 200 "upstream $request_method $request_uri\n";
    }
_EOC_
    }

    if (!defined $block->more_headers) {
        $block->set_value("more_headers", "Authorization: Token abc\n");
    }

    if (!defined $block->no_error_log) {
        $block->set_value("no_error_log",
                          "[alert]\n[crit]\n[emerg]\n[error]\n[warn]\n");
    }
});

run_tests();

__DATA__

=== TEST 1: one request and the burst pass through Redis
--- request eval
["GET /api/lambda/requests/1?org=acme",
 "GET /api/lambda/requests/2",
 "GET /api/lambda/requests/3?org=acme"]
--- more_headers eval
["Authorization: Token abc", "Authorization: Token def\nX-Organization: acme",
 "Authorization: Token abc"]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Limit: [PASSED] [2]\nRateLimit-Policy: \"jobs\";q=3;w=180;pk=:YWNtZQ==:\nRateLimit: \"jobs\";r=2;t=60;pk=:YWNtZQ==:",
 "X-Limit: [PASSED] [1]", "X-Limit: [PASSED] [0]"]



=== TEST 2: then DRF's 429 with Retry-After (continued)
--- request
GET /api/lambda/requests/4?org=acme
--- error_code: 429
--- response_headers
X-Limit: [REJECTED] [0]
X-Reason: [rate_limit]
Retry-After: 60
RateLimit: "jobs";r=0;t=60;pk=:YWNtZQ==:
--- response_body chomp
{"detail":"Request was throttled. Expected available in 60 seconds."}
--- error_log
lambda limit "jobs" exceeded by "acme"



=== TEST 3: a tier, the personal workspace and other operations
--- request eval
["GET /api/lambda/requests/1?org=big", "GET /api/lambda/requests/1?org=big",
 "GET /api/lambda/requests/1?org=big", "GET /api/lambda/requests/1?org=big",
 "GET /api/lambda/requests/1?org=big", "GET /api/lambda/requests/1?org=big",
 "GET /api/lambda/requests/1", "GET /api/lambda/requests/1",
 "GET /api/lambda/requests/1", "GET /api/lambda/requests/1",
 "GET /api/lambda/functions?org=big"]
--- error_code eval
[200, 200, 200, 200, 200, 429, 200, 200, 200, 429, 200]
--- response_headers eval
["RateLimit-Policy: \"jobs\";q=5;w=150;pk=:Ymln:\nRateLimit: \"jobs\";r=4;t=30;pk=:Ymln:",
 "", "", "", "", "Retry-After: 30", "RateLimit-Policy: \"jobs\";q=3;w=180",
 "", "", "", "X-Limit: [BYPASS] []\n!RateLimit-Policy"]



=== TEST 4: CVAT's 403 refunds the Redis charge
--- request eval
["GET /api/lambda/requests/1?org=refund&deny=1",
 "GET /api/lambda/requests/1?org=refund&deny=1",
 "GET /api/lambda/requests/1?org=refund&deny=1",
 "GET /api/lambda/requests/1?org=refund&deny=1",
 "GET /api/lambda/requests/1?org=refund",
 "GET /api/lambda/requests/1?org=refund",
 "GET /api/lambda/requests/1?org=refund",
 "GET /api/lambda/requests/1?org=refund"]
--- error_code eval
[403, 403, 403, 403, 200, 200, 200, 429]



=== TEST 5: Redis and local limits of one request; a rejection refunds all
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   jobs;
        lambda_limit   calls key=$http_x_client;
        lambda_limit   near;
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
 "Authorization: Token a\nX-Client: two", "Authorization: Token a\nX-Client: three"]
--- error_code eval
[200, 429, 200, 429]
--- response_headers eval
["X-Limit: [PASSED] [0]\nRateLimit-Policy: \"jobs\";q=3;w=180;pk=:bXVsdGk=:, \"calls\";q=1;w=30, \"near\";q=2;w=20;pk=:bXVsdGk=:\nRateLimit: \"jobs\";r=2;t=60;pk=:bXVsdGk=:, \"calls\";r=0;t=30, \"near\";r=1;t=10;pk=:bXVsdGk=:",
 "X-Limit: [REJECTED] [0]\nRateLimit: \"jobs\";r=2;t=60;pk=:bXVsdGk=:, \"calls\";r=0;t=30, \"near\";r=1;t=10;pk=:bXVsdGk=:",
 "X-Limit: [PASSED] [0]\nRateLimit: \"jobs\";r=1;t=60;pk=:bXVsdGk=:, \"calls\";r=0;t=30, \"near\";r=0;t=10;pk=:bXVsdGk=:",
 "X-Limit: [REJECTED] [0]\nRateLimit: \"near\";r=0;t=10;pk=:bXVsdGk=:"]



=== TEST 6: dry run through Redis
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
--- request eval
["GET /api/lambda/functions?org=dry", "GET /api/lambda/functions?org=dry"]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Limit: [PASSED] [0]", "X-Limit: [REJECTED_DRY_RUN] [0]\n!Retry-After"]



=== TEST 7: organizations by slug and by id, decided in Redis
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   calls;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request eval
["GET /api/lambda/functions?org=tagged", "GET /api/lambda/functions?org_id=42"]
--- error_code eval
[200, 200]
--- log_level: debug
--- no_error_log
[alert]
[error]
--- error_log eval
[qr/lambda limit "calls" redis, "(tagged|org_id:42)": 3/]



=== TEST 8: the bucket is kept in Redis (continued)
--- request
GET /api/lambda/functions?org=tagged
--- error_code: 429
--- error_log eval
qr/lambda limit "calls" redis, "tagged": 4/
