# The limits in lambda_status: decisions by zone and result, and the Redis
# client's counters (commands, errors, timeouts, the circuit breaker).

use Test::Nginx::Socket 'no_plan';

no_shuffle();

$ENV{TEST_NGINX_LIMIT_PREFIX} = "t016:$$:" . time() . ":";

add_block_preprocessor(sub {
    my $block = shift;

    my $continued = $block->name =~ /\(continued\)$/;

    if ($continued) {
        $block->set_value("skip_eval", '1: $ENV{TEST_NGINX_USE_VALGRIND}');
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

=== TEST 1: decisions are counted by zone and result
--- http_config
    lambda_limit_zone  calls:64k rate=1r/m;
    lambda_limit_zone  dry:64k   rate=1r/m;
--- config
    location /api/lambda/functions {
        lambda_gateway on;
        lambda_limit   calls;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /api/lambda/requests {
        lambda_gateway       on;
        lambda_limit         dry;
        lambda_limit_dry_run on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location = /lambda-status {
        lambda_status;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request eval
["GET /api/lambda/functions?org=s", "GET /api/lambda/functions?org=s",
 "GET /api/lambda/functions?org=s", "GET /api/lambda/requests?org=s",
 "GET /api/lambda/requests?org=s", "GET /lambda-status"]
--- error_code eval
[200, 429, 429, 200, 200, 200]
--- response_body_like eval
[qr/upstream/, qr/throttled/, qr/throttled/, qr/upstream/, qr/upstream/,
 qr/nginx_lambda_limit_decisions_total\{zone="calls",result="passed"\}\ 1\n
    nginx_lambda_limit_decisions_total\{zone="calls",result="rejected"\}\ 2\n
    nginx_lambda_limit_decisions_total\{zone="calls",result="dry_run"\}\ 0\n
    nginx_lambda_limit_decisions_total\{zone="calls",result="degraded"\}\ 0\n
    nginx_lambda_limit_decisions_total\{zone="dry",result="passed"\}\ 1\n
    nginx_lambda_limit_decisions_total\{zone="dry",result="rejected"\}\ 0\n
    nginx_lambda_limit_decisions_total\{zone="dry",result="dry_run"\}\ 1\n/x]



=== TEST 2: Redis commands and their round trips
--- http_config
    lambda_redis       127.0.0.1:$TEST_NGINX_REDIS_PORT timeout=3s
                       prefix=$TEST_NGINX_LIMIT_PREFIX;
    lambda_limit_zone  calls:64k rate=10r/m burst=5 backend=redis;
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   calls;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location = /lambda-status {
        lambda_status;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- skip_eval: 1: !$ENV{TEST_NGINX_REDIS_PORT}
--- request eval
["GET /api/lambda/functions?org=r", "GET /api/lambda/functions?org=r",
 "GET /lambda-status"]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[qr/upstream/, qr/upstream/,
 qr/nginx_lambda_limit_decisions_total\{zone="calls",result="passed"\}\ 2\n
    (?s:.*)
    nginx_lambda_redis_commands_total\ 3\n
    (?s:.*)
    nginx_lambda_redis_errors_total\ 0\n
    (?s:.*)
    nginx_lambda_redis_timeouts_total\ 0\n
    (?s:.*)
    nginx_lambda_redis_circuit_open\ 0\n
    (?s:.*)
    nginx_lambda_redis_latency_seconds_count\ 2\n/x]



=== TEST 3: a silent Redis: timeouts, degraded decisions, the breaker
--- http_config
    lambda_redis       127.0.0.1:$TEST_NGINX_RAND_PORT_1 timeout=100ms
                       max_fails=2 fail_timeout=10s;
    lambda_limit_zone  calls:64k rate=10r/m burst=5 backend=redis;
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   calls;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location = /lambda-status {
        lambda_status;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- tcp_listen: $TEST_NGINX_RAND_PORT_1
--- tcp_reply_delay: 10s
--- tcp_reply
+OK
--- tcp_no_close: 1
--- timeout: 3
--- request eval
["GET /api/lambda/functions?org=t", "GET /api/lambda/functions?org=t",
 "GET /api/lambda/functions?org=t", "GET /lambda-status"]
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[qr/upstream/, qr/upstream/, qr/upstream/,
 qr/nginx_lambda_limit_decisions_total\{zone="calls",result="degraded"\}\ 3\n
    (?s:.*)
    nginx_lambda_redis_errors_total\ [1-9]\d*\n
    (?s:.*)
    nginx_lambda_redis_timeouts_total\ 2\n
    (?s:.*)
    nginx_lambda_redis_circuit_open\ 1\n/x]
